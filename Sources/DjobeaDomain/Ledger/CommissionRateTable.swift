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
