import Foundation

/// The state of one request derived from its events by `MissionStatusFold`.
public struct MissionState: Hashable, Codable, Sendable {
    public var status: RequestStatus
    /// The assigned provider (by accept or reassignment), nil before assignment or after a reopen to nouvelle.
    public var providerId: String?
    public var acceptedAt: HLC?
    public var arrivedAt: HLC?
    public var diagnosticAt: HLC?
    public var repairAt: HLC?
    public var completedAt: HLC?
    public var cancelledAt: HLC?
    public var expiredAt: HLC?
    /// The latest event that changed the state (a conflicting event does not count).
    public var lastEventAt: HLC?
    /// Events that lost or were illegal, in fold order.
    public var conflicts: [MissionConflict]
    /// For each status with a time, the wall-clock time of the event that set it (`MissionEvent.occurredAt`): the
    /// time shown to people. The HLC times above order and decide; these are only displayed.
    public var wallTimes: [RequestStatus: Date] = [:]

    public init(
        status: RequestStatus = .nouvelle, providerId: String? = nil, acceptedAt: HLC? = nil, arrivedAt: HLC? = nil,
        diagnosticAt: HLC? = nil, repairAt: HLC? = nil, completedAt: HLC? = nil, cancelledAt: HLC? = nil,
        expiredAt: HLC? = nil, lastEventAt: HLC? = nil, conflicts: [MissionConflict] = []
    ) {
        self.status = status
        self.providerId = providerId
        self.acceptedAt = acceptedAt
        self.arrivedAt = arrivedAt
        self.diagnosticAt = diagnosticAt
        self.repairAt = repairAt
        self.completedAt = completedAt
        self.cancelledAt = cancelledAt
        self.expiredAt = expiredAt
        self.lastEventAt = lastEventAt
        self.conflicts = conflicts
    }

    /// The time recorded for a status on the forward path or a side exit, if any.
    public func time(of status: RequestStatus) -> HLC? {
        switch status {
        case .nouvelle, .declinee: nil
        case .acceptee: acceptedAt
        case .arrive: arrivedAt
        case .diagnostic: diagnosticAt
        case .reparation: repairAt
        case .terminee: completedAt
        case .annulee: cancelledAt
        case .expiree: expiredAt
        }
    }

    /// The time to show for `status`: the wall-clock time of the event that set it, else its HLC's time.
    public func wallTime(of status: RequestStatus) -> Date? {
        guard let stamp = time(of: status) else { return nil }
        return wallTimes[status] ?? stamp.date
    }

    /// Sets the time of `status` from `event` (nil clears it); statuses without a time are ignored.
    mutating func setTime(from event: MissionEvent?, of status: RequestStatus) {
        setTime(event?.hlc, of: status)
        guard time(of: status) != nil, let event else {
            wallTimes[status] = nil
            return
        }
        wallTimes[status] = event.occurredAt ?? event.hlc.date
    }

    /// Sets the time of `status`; statuses without a time are ignored.
    mutating func setTime(_ stamp: HLC?, of status: RequestStatus) {
        switch status {
        case .nouvelle, .declinee: break
        case .acceptee: acceptedAt = stamp
        case .arrive: arrivedAt = stamp
        case .diagnostic: diagnosticAt = stamp
        case .reparation: repairAt = stamp
        case .terminee: completedAt = stamp
        case .annulee: cancelledAt = stamp
        case .expiree: expiredAt = stamp
        }
    }
}
