import DjobeaReplication
import Foundation

/// The protocol versions a central serves (SPEC.md §9.1): its own and the one before, so that central is upgraded first
/// and each hub follows at its own pace. A hub speaking an older version is refused `426 sync_protocol_too_old`, one
/// speaking a newer version `409 sync_protocol_too_new`.
public struct ServedProtocols: Sendable, Equatable, CustomStringConvertible {
    /// The oldest version served.
    public let minimum: Int
    /// Central's own version.
    public let current: Int

    /// What a central admits of a hub's version.
    public enum Admission: Sendable, Equatable {
        case accepted
        /// Older than `minimum`: the hub must be upgraded.
        case tooOld
        /// Newer than `current`: central must be upgraded first.
        case tooNew
    }

    /// `minimum` is clamped to 1…`current`.
    public init(minimum: Int, current: Int) {
        self.current = max(1, current)
        self.minimum = min(max(1, minimum), self.current)
    }

    /// A central at `current`: it serves `current` and the version before (none below 1).
    public init(current: Int) {
        self.init(minimum: current - 1, current: current)
    }

    /// This build's range: `syncProtocolVersion` and the version before it.
    public static let thisBuild = ServedProtocols(current: syncProtocolVersion)

    /// The rule: a hub's version inside `minimum…current` is served; below is too old, above too new.
    public func admission(of version: Int) -> Admission {
        if version < minimum { return .tooOld }
        if version > current { return .tooNew }
        return .accepted
    }

    /// Throws the refusal of a hub speaking `version` (`sync_protocol_too_old` or `sync_protocol_too_new`).
    public func admit(_ version: Int) throws {
        switch admission(of: version) {
        case .accepted: return
        case .tooOld: throw SyncError.protocolTooOld(hub: version, served: self)
        case .tooNew: throw SyncError.protocolTooNew(hub: version, served: self)
        }
    }

    /// The `Djobea-Protocol` header of central's answers: `2; min=1`.
    public var headerValue: String { "\(current); min=\(minimum)" }

    /// Reads `headerValue` (a hub's request header is the bare version, whose range is that version alone).
    public static func parse(header: String) -> ServedProtocols? {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let current = Int(first) else { return nil }
        var minimum = current
        for part in parts.dropFirst() where part.hasPrefix("min=") {
            guard let value = Int(part.dropFirst(4)) else { return nil }
            minimum = value
        }
        return ServedProtocols(minimum: minimum, current: current)
    }

    /// In French: « la version 1 » or « les versions 1 à 2 ».
    public var descriptionFR: String { minimum == current ? "la version \(current)" : "les versions \(minimum) à \(current)" }

    public var description: String { headerValue }
}

/// What a hub shows while central refuses its protocol version as too old (`/healthz`, `/ops`, the link's last error).
public let protocolTooOldNoticeFR = "Version trop ancienne pour le central : mise à jour nécessaire"

extension PeerLinkState {
    /// On a hub, the link to central: central refused this hub's protocol version as too old at the last exchange (the
    /// link's last error says so, and no exchange succeeded since).
    public var refusesOldProtocol: Bool {
        guard let error = lastError, let at = lastErrorAt, error.hasPrefix(protocolTooOldNoticeFR) else { return false }
        return at >= (lastSuccessAt ?? "")
    }
}
