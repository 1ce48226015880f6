import Foundation

/// One immutable version of Djobea's commission rate.
public struct CommissionRate: Hashable, Codable, Sendable {
    public var id: String
    /// Nil: applies to every level.
    public var level: ProviderLevel?
    /// 1 500 = 15 %.
    public var basisPoints: Int
    public var effectiveFrom: Date

    public init(id: String, level: ProviderLevel? = nil, basisPoints: Int, effectiveFrom: Date) {
        self.id = id
        self.level = level
        self.basisPoints = basisPoints
        self.effectiveFrom = effectiveFrom
    }
}

/// The versioned commission rates, from which every node derives the same commission (CONFLICTS.md rule 10).
public struct CommissionRateTable: Sendable {
    public let rates: [CommissionRate]

    /// Rates outside 0...10 000 basis points are dropped.
    public init(_ rates: [CommissionRate]) {
        self.rates = rates.filter { (0...10_000).contains($0.basisPoints) }
    }

    /// The version in force at `at` for `level`: the latest with `effectiveFrom <= at`.
    ///
    /// A level-specific rate beats a general one with the same or an earlier `effectiveFrom`; two versions
    /// of equal standing break ties by the larger id (the later UUIDv7).
    public func rate(at: Date, level: ProviderLevel) -> CommissionRate? {
        rates
            .filter { $0.effectiveFrom <= at && ($0.level == nil || $0.level == level) }
            .max { lhs, rhs in
                (lhs.effectiveFrom, lhs.level == nil ? 0 : 1, lhs.id) < (rhs.effectiveFrom, rhs.level == nil ? 0 : 1, rhs.id)
            }
    }

    /// The commission on `base` for a mission completed at `completedAt`, with the rate used.
    public func commission(on base: XAF, completedAt: Date, level: ProviderLevel) -> (amount: XAF, rate: CommissionRate)? {
        guard let rate = rate(at: completedAt, level: level) else { return nil }
        return (base.share(basisPoints: rate.basisPoints), rate)
    }

    /// The commission ledger entry for a completed mission, identical on every node; nil if no rate or zero.
    ///
    /// `completedAt` and `originNode` come from the completion event, so the row collapses to one everywhere.
    public func commissionEntry(
        requestId: String, providerId: String, invoiceId: String? = nil, base: XAF, level: ProviderLevel,
        completedAt: HLC, originNode: String
    ) -> LedgerEntry? {
        guard let (amount, _) = commission(on: base, completedAt: completedAt.date, level: level), amount > .zero else { return nil }
        return LedgerEntry(
            id: Self.commissionEntryId(requestId: requestId), requestId: requestId, providerId: providerId, invoiceId: invoiceId,
            kind: .commission, amount: amount, hlc: completedAt, originNode: originNode)
    }

    /// The deterministic id of a mission's commission entry.
    public static func commissionEntryId(requestId: String) -> String {
        DjobeaID.derived(namespace: "commission", name: requestId)
    }
}

/// Why a new rate version is refused (SPEC.md §4.4.4, *Rate versions*): a version may not take effect in the past, nor
/// at or before the latest version of its level, since either could change a commission already derived.
public enum CommissionRateRefusal: Equatable, Sendable {
    /// Outside 0 … 10 000 basis points.
    case basisPointsOutOfRange
    /// `effective_from` is before now.
    case inThePast(now: Date)
    /// `effective_from` is at or before the latest version of the level.
    case backdated(latest: Date)

    /// The stable code of the refusal.
    public var code: String {
        switch self {
        case .basisPointsOutOfRange: "invalid_parameter"
        case .inThePast: "commission_rate_in_past"
        case .backdated: "commission_rate_backdated"
        }
    }

    public var messageFR: String {
        switch self {
        case .basisPointsOutOfRange:
            "Taux en points de base attendu, de 0 à 10 000 (1 500 = 15 %)."
        case .inThePast(let now):
            "Une version de taux ne peut prendre effet dans le passé (il est \(Self.timeFR(now))) : "
                + "les commissions déjà calculées changeraient."
        case .backdated(let latest):
            "Une version de ce niveau prend déjà effet le \(Self.timeFR(latest)) : une nouvelle version doit prendre effet "
                + "après elle, sinon les commissions déjà calculées changeraient."
        }
    }
}

extension CommissionRateRefusal {
    /// « 01/01/2027 00:00 UTC », the way ops read times.
    public static func timeFR(_ date: Date) -> String {
        let chars = Array(UTCTimestamp.format(date))
        guard chars.count >= 16 else { return UTCTimestamp.format(date) }
        return "\(String(chars[8..<10]))/\(String(chars[5..<7]))/\(String(chars[0..<4])) \(String(chars[11..<16])) UTC"
    }
}

extension CommissionRateTable {
    /// Checks a new version of `level`'s rate against the versions held, at `now`: it must take effect now or later, and
    /// strictly after the latest version of the same level (versions are appended in effect order, never edited).
    public func refusal(level: ProviderLevel?, basisPoints: Int, effectiveFrom: Date, now: Date) -> CommissionRateRefusal? {
        guard (0...10_000).contains(basisPoints) else { return .basisPointsOutOfRange }
        if let latest = rates.filter({ $0.level == level }).map(\.effectiveFrom).max(), effectiveFrom <= latest {
            return .backdated(latest: latest)
        }
        // Compared to the millisecond, as stored.
        guard effectiveFrom.unixMillis >= now.unixMillis else { return .inThePast(now: now) }
        return nil
    }

    /// The versions of `level` (nil: the general versions), oldest first.
    public func versions(of level: ProviderLevel?) -> [CommissionRate] {
        rates.filter { $0.level == level }.sorted { ($0.effectiveFrom, $0.id) < ($1.effectiveFrom, $1.id) }
    }
}
