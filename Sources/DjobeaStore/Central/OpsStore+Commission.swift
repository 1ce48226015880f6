import DjobeaDomain
import DjobeaReplication
import Foundation

/// A new commission rate version, as ops give it.
public struct CommissionRateInput: Sendable {
    /// `bronze`, `argent`, `or` or `platine`.
    public var level: String
    /// 0 … 10 000 (1 500 = 15 %).
    public var basisPoints: Int
    /// A UTC time (SPEC.md §2.3); nil: now.
    public var effectiveFrom: String?
    public var reason: String?

    public init(level: String, basisPoints: Int, effectiveFrom: String? = nil, reason: String? = nil) {
        self.level = level
        self.basisPoints = basisPoints
        self.effectiveFrom = effectiveFrom
        self.reason = reason
    }
}

/// One version of a commission rate, as ops see it.
public struct CommissionRateVersion: Codable, Sendable, Equatable {
    public var id: String
    /// Nil: the general rate, for every level without a version of its own.
    public var level: String?
    public var levelLabel: String
    public var basisPoints: Int
    /// « 12,5 % ».
    public var percent: String
    public var effectiveFrom: String
    public var createdAt: String
    /// `en_vigueur` (in force now), `a_venir` (takes effect later) or `remplacee` (superseded).
    public var state: String
}

/// A level's rates: the one in force now (its own or the general one), its versions to come and its past versions.
public struct CommissionLevelRates: Codable, Sendable, Equatable {
    public var level: String
    public var levelLabel: String
    public var current: CommissionRateVersion?
    /// Oldest first.
    public var future: [CommissionRateVersion]
    /// Newest first, the one in force excluded.
    public var history: [CommissionRateVersion]
}

/// The commission rate grid at a time.
public struct CommissionRateGrid: Codable, Sendable, Equatable {
    public var generatedAt: String
    public var levels: [CommissionLevelRates]
    /// The general versions (no level), oldest first.
    public var general: [CommissionRateVersion]
    /// The rules of a version, in French.
    public var rule: String
}

/// What one level of the rule asks for.
public struct ProviderLevelThreshold: Codable, Sendable, Equatable {
    public var level: String
    public var levelLabel: String
    public var minimumMissions: Int
    public var minimumRatings: Int
    public var minimumAverage: Double
}

/// One provider's level, the level the rule gives them now and why.
public struct ProviderLevelStatus: Codable, Sendable, Equatable {
    public var providerId: String
    public var name: String
    public var level: String
    public var levelLabel: String
    /// The rule's level for the activity below.
    public var computedLevel: String
    public var computedLevelLabel: String
    public var completedMissions: Int
    public var ratingCount: Int
    public var averageRating: Double?
    /// The activity in French.
    public var activity: String
    /// Set by hand by ops: the rule leaves it alone until ops hand it back (`level: auto`).
    public var manualOverride: Bool
    public var accountStatus: String
}

/// The level rule and every provider's level.
public struct ProviderLevelsReport: Codable, Sendable, Equatable {
    public var generatedAt: String
    public var rule: String
    public var windowDays: Int
    public var thresholds: [ProviderLevelThreshold]
    public var providers: [ProviderLevelStatus]
}

/// One line of the audit trail, for the API and the ops page.
public struct OpsAuditEntry: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var actor: String
    public var target: String
    public var reason: String?
    public var summary: String
    public var createdAt: String
}

/// Commission rate versions and provider levels (SPEC.md §4.4.4, *Rate versions* and *Levels*), as ops actions at
/// central: each is one critical write transaction on any storage, logged in `ops_actions`, replayed for the same
/// Idempotency-Key. Rate versions are appended, never edited; a level is a central-owned column of `providers`, written
/// through the change log so that it reaches the hubs.
extension OpsStore {
    /// The kinds of the commission page's audit trail.
    public static let commissionAuditKinds = [
        "add_commission_rate", "recompute_levels", "set_provider_level", "override_provider_level", "update_provider",
    ]

    /// Adds a version of a level's commission rate, taking effect at `effectiveFrom` (now if nil): refused if that is in
    /// the past or at or before the latest version of the level (`commission_rate_in_past`, `commission_rate_backdated`).
    public func addCommissionRate(
        _ input: CommissionRateInput, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(input.reason, required: true)
        guard let level = ProviderLevel(rawValue: input.level) else {
            throw IntakeError("level", "Niveau inconnu : bronze, argent, or ou platine.")
        }
        guard (0...10_000).contains(input.basisPoints) else {
            throw IntakeError("basis_points", CommissionRateRefusal.basisPointsOutOfRange.messageFR)
        }
        let given = input.effectiveFrom?.trimmingCharacters(in: .whitespaces)
        let effectiveFrom = try given.map { text in
            guard let date = UTCTimestamp.parse(text) else {
                throw IntakeError("effective_from", "Date UTC attendue, par exemple 2027-01-01T00:00:00.000Z.")
            }
            return date
        }
        let points = input.basisPoints
        return try await opsAction(
            "add_commission_rate", target: level.rawValue, reason: reason, actor: actor, key: idempotencyKey,
            body: ["rate", level.rawValue, String(points), effectiveFrom.map(UTCTimestamp.format) ?? "now", reason ?? ""], now: now
        ) { tx in
            let from = effectiveFrom ?? tx.now
            let table = try ReplicaFolds.commissionRates(in: tx.connection)
            if let refusal = table.refusal(level: level, basisPoints: points, effectiveFrom: from, now: tx.now) {
                throw OpsRefusal(refusal.code, refusal.messageFR)
            }
            let id = DjobeaID.v7(now: tx.now)
            try tx.insert(
                CommissionRateRecord(
                    id: id, level: level, basisPoints: Int64(points), effectiveFrom: UTCTimestamp.format(from), createdAt: UTCTimestamp.format(tx.now)
                )
            )
            return OpsActionResult(
                actionId: "", kind: "add_commission_rate", target: level.rawValue,
                summary: "Nouveau taux de commission \(level.labelFR) : \(Self.percentFR(points)) à partir du \(Self.timeFR(from)).",
                rateId: id, level: level.rawValue, replayed: false)
        }
    }

    /// The rate grid at `now`: per level, the version in force, the versions to come and the past ones.
    public func commissionRateGrid(now: Date = Date()) async throws -> CommissionRateGrid {
        let table = try await storage.replicaRead { try ReplicaFolds.commissionRates(in: $0) }
        let created = try await storage.replicaRead { db in
            Dictionary(
                try db.query("SELECT id, created_at FROM commission_rates", []).map { ($0["id"].textValue ?? "", $0["created_at"].textValue ?? "") },
                uniquingKeysWith: { first, _ in first })
        }
        let generalNow = table.versions(of: nil).last { $0.effectiveFrom <= now }
        func version(_ rate: CommissionRate, current: CommissionRate?) -> CommissionRateVersion {
            let state = rate.effectiveFrom > now ? "a_venir" : rate.id == current?.id ? "en_vigueur" : "remplacee"
            return CommissionRateVersion(
                id: rate.id, level: rate.level?.rawValue, levelLabel: rate.level?.labelFR ?? "Tous niveaux", basisPoints: rate.basisPoints,
                percent: Self.percentFR(rate.basisPoints), effectiveFrom: UTCTimestamp.format(rate.effectiveFrom), createdAt: created[rate.id] ?? "",
                state: state)
        }
        let levels = ProviderLevel.allCases.map { level in
            let current = table.rate(at: now, level: level)
            let own = table.versions(of: level)
            return CommissionLevelRates(
                level: level.rawValue, levelLabel: level.labelFR, current: current.map { version($0, current: current) },
                future: own.filter { $0.effectiveFrom > now }.map { version($0, current: current) },
                history: own.filter { $0.effectiveFrom <= now && $0.id != current?.id }.reversed().map { version($0, current: current) })
        }
        return CommissionRateGrid(
            generatedAt: UTCTimestamp.format(now), levels: levels, general: table.versions(of: nil).map { version($0, current: generalNow) },
            rule: Self.rateRuleFR)
    }

    /// The rules of a rate version, in French (SPEC.md §4.4.4).
    public static let rateRuleFR =
        "Une version de taux n'est jamais modifiée : une nouvelle version la remplace à sa date d'effet. Elle prend effet "
        + "maintenant ou plus tard, et après la dernière version de son niveau. La commission d'une mission se calcule au taux "
        + "en vigueur à l'heure où elle a été terminée, selon le niveau du prestataire."

    /// The level rule applied to every provider: each provider whose level differs from the rule's (and was not set by
    /// hand) gets the rule's, with one audit line per change.
    public func recomputeLevels(actor: OpsActor, reason: String? = nil, idempotencyKey: String? = nil, now: Date = Date()) async throws
        -> OpsActionResult
    {
        let reason = try Self.opsReason(reason, required: false)
        return try await opsAction(
            "recompute_levels", target: "providers", reason: reason, actor: actor, key: idempotencyKey, body: ["levels", reason ?? ""], now: now
        ) { tx in
            let rows = try Self.levelRows(now: tx.now, in: tx.connection)
            var changed = 0
            var kept = 0
            for row in rows where row.computed != row.level {
                if row.manualOverride {
                    kept += 1
                    continue
                }
                try Self.setLevel(
                    row.providerId, to: row.computed, kind: "set_provider_level", actor: actor, reason: reason,
                    said: "selon la règle (\(ProviderLevelRule.activityFR(row.activity)))", in: tx)
                changed += 1
            }
            var summary = "Niveaux recalculés : \(changed) changement(s) sur \(rows.count) prestataire(s)"
            if kept > 0 { summary += " ; \(kept) niveau(x) fixé(s) à la main laissé(s) tel(s) quel(s)" }
            return OpsActionResult(
                actionId: "", kind: "recompute_levels", target: "providers", summary: summary + ".", changed: changed, replayed: false)
        }
    }

    /// Sets one provider's level by hand (kept by the rule until handed back), or, with `auto`, hands it back to the rule
    /// (the rule's level at once).
    public func setProviderLevel(
        id providerId: String, level text: String, reason: String?, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(reason, required: true)
        let wanted: ProviderLevel?
        if text == "auto" {
            wanted = nil
        } else {
            guard let level = ProviderLevel(rawValue: text) else {
                throw IntakeError("level", "Niveau inconnu : bronze, argent, or, platine, ou auto (selon la règle).")
            }
            wanted = level
        }
        guard DjobeaID.isValid(providerId) else { throw IntakeError("provider_id", "Prestataire introuvable.", notFound: true) }
        let kind = wanted == nil ? "set_provider_level" : "override_provider_level"
        return try await opsAction(
            kind, target: providerId, reason: reason, actor: actor, key: idempotencyKey, body: ["level", text, reason ?? ""], now: now
        ) { tx in
            guard let row = try Self.levelRows(now: tx.now, in: tx.connection, providerId: providerId).first else {
                throw IntakeError("provider_id", "Prestataire introuvable.", notFound: true)
            }
            let level = wanted ?? row.computed
            let said =
                wanted == nil
                ? "rendu à la règle (\(ProviderLevelRule.activityFR(row.activity)))" : "fixé à la main, la règle ne le change plus"
            let summary = try Self.setLevel(providerId, to: level, kind: nil, actor: actor, reason: reason, said: said, in: tx)
            return OpsActionResult(
                actionId: "", kind: kind, target: providerId, summary: summary, providerId: providerId, level: level.rawValue, replayed: false)
        }
    }

    /// The level rule, its thresholds and every provider's level and activity at `now`.
    public func providerLevels(now: Date = Date()) async throws -> ProviderLevelsReport {
        let rows = try await storage.replicaRead { try Self.levelRows(now: now, in: $0) }
        return ProviderLevelsReport(
            generatedAt: UTCTimestamp.format(now), rule: ProviderLevelRule.descriptionFR, windowDays: ProviderLevelRule.windowDays,
            thresholds: ProviderLevelRule.thresholds.map {
                ProviderLevelThreshold(
                    level: $0.level.rawValue, levelLabel: $0.level.labelFR, minimumMissions: $0.minimumMissions, minimumRatings: $0.minimumRatings,
                    minimumAverage: $0.minimumAverage)
            },
            providers: rows.map { row in
                ProviderLevelStatus(
                    providerId: row.providerId, name: row.name, level: row.level.rawValue, levelLabel: row.level.labelFR,
                    computedLevel: row.computed.rawValue, computedLevelLabel: row.computed.labelFR, completedMissions: row.activity.completedMissions,
                    ratingCount: row.activity.ratingCount, averageRating: row.activity.averageRating.map { ($0 * 100).rounded() / 100 },
                    activity: ProviderLevelRule.activityFR(row.activity), manualOverride: row.manualOverride, accountStatus: row.accountStatus)
            })
    }

    /// The most recent ops actions of `kinds`, newest first.
    public func auditTrail(kinds: [String] = OpsStore.commissionAuditKinds, limit: Int = 50) async throws -> [OpsAuditEntry] {
        let placeholders = kinds.map { _ in "?" }.joined(separator: ", ")
        return try await storage.replicaRead { db in
            try db.query(
                """
                SELECT id, kind, actor, target, reason, summary_fr, created_at FROM ops_actions WHERE kind IN (\(placeholders))
                ORDER BY created_at DESC, id DESC LIMIT ?
                """, kinds.map { ColumnValue.text($0) } + [ColumnValue.integer(Int64(limit))]
            ).map {
                OpsAuditEntry(
                    id: $0["id"].textValue ?? "", kind: $0["kind"].textValue ?? "", actor: $0["actor"].textValue ?? "",
                    target: $0["target"].textValue ?? "", reason: $0["reason"].textValue, summary: $0["summary_fr"].textValue ?? "",
                    createdAt: $0["created_at"].textValue ?? "")
            }
        }
    }

    // MARK: - Levels

    struct LevelRow {
        var providerId: String
        var name: String
        var level: ProviderLevel
        var accountStatus: String
        var activity: ProviderActivity
        var computed: ProviderLevel
        var manualOverride: Bool
    }

    /// Every provider (or one) with their activity over the rule's window and whether ops set their level by hand: the
    /// latest level action about them is an override.
    static func levelRows(now: Date, in db: any ReplicaConnection, providerId: String? = nil) throws -> [LevelRow] {
        let since = UTCTimestamp.format(ProviderLevelRule.windowStart(now: now))
        let filter = providerId == nil ? "" : "WHERE p.id = ?"
        var arguments: [ColumnValue] = [.text(since), .text(since), .text(since)]
        if let providerId { arguments.append(.text(providerId)) }
        let rows = try db.query(
            """
            SELECT p.id, p.name, p.level, p.account_status,
                (SELECT count(*) FROM missions m WHERE m.provider_id = p.id AND m.status = \(RequestStatus.terminee.sqlLiteral)
                    AND m.completed_at >= ?) AS missions,
                (SELECT count(*) FROM ratings r WHERE r.provider_id = p.id AND r.created_at >= ?) AS ratings,
                (SELECT CAST(coalesce(sum(r.stars), 0) AS BIGINT) FROM ratings r WHERE r.provider_id = p.id AND r.created_at >= ?) AS stars,
                (SELECT a.kind FROM ops_actions a WHERE a.target = p.id AND a.kind IN ('set_provider_level', 'override_provider_level')
                    ORDER BY a.created_at DESC, a.id DESC LIMIT 1) AS last_level_action
            FROM providers p \(filter) ORDER BY p.name, p.id
            """, arguments)
        return rows.map { row in
            let activity = ProviderActivity(
                completedMissions: Int(row["missions"].integerValue ?? 0), ratingCount: Int(row["ratings"].integerValue ?? 0),
                ratingStars: Int(row["stars"].integerValue ?? 0))
            return LevelRow(
                providerId: row["id"].textValue ?? "", name: row["name"].textValue ?? "",
                level: row["level"].textValue.flatMap(ProviderLevel.init(rawValue:)) ?? .bronze, accountStatus: row["account_status"].textValue ?? "",
                activity: activity, computed: ProviderLevelRule.level(for: activity),
                manualOverride: row["last_level_action"].textValue == "override_provider_level")
        }
    }

    /// Writes a provider's level (change-logged, so it reaches the hubs) and, with `kind`, its own audit line; returns
    /// the French summary.
    @discardableResult
    static func setLevel(
        _ providerId: String, to level: ProviderLevel, kind: String?, actor: OpsActor, reason: String?, said: String,
        in tx: any ChangeLoggedWrites
    ) throws -> String {
        guard var provider = try tx.connection.record(ProviderRecord.self, "SELECT * FROM providers WHERE id = ?", [.text(providerId)]) else {
            throw IntakeError("provider_id", "Prestataire introuvable.", notFound: true)
        }
        let before = provider.level
        if before != level {
            provider.level = level
            provider.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(provider, columns: [.level, .updatedAt])
        }
        let change = before == level ? "reste \(level.labelFR)" : "\(before.labelFR) → \(level.labelFR)"
        let summary = "Niveau de \(provider.name) : \(change), \(said)."
        if let kind {
            let result = OpsActionResult(
                actionId: DjobeaID.v7(now: tx.now), kind: kind, target: providerId, summary: summary, providerId: providerId, level: level.rawValue,
                replayed: false)
            try tx.connection.execute(
                """
                INSERT INTO ops_actions (id, kind, actor, target, reason, summary_fr, idempotency_key, body_hash, result, created_at)
                VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)
                """,
                [
                    .text(result.actionId), .text(kind), .text(actor.name), .text(providerId), ColumnValue(reason), .text(summary),
                    .text(String(decoding: try StoredJSON.encoder.encode(result), as: UTF8.self)), .text(UTCTimestamp.format(tx.now)),
                ])
        }
        return summary
    }

    // MARK: - Wording

    /// 1 250 → « 12,5 % »; 1 000 → « 10 % ».
    public static func percentFR(_ basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let cents = basisPoints % 100
        guard cents != 0 else { return "\(whole) %" }
        let decimals = cents % 10 == 0 ? String(cents / 10) : String(format: "%02d", cents)
        return "\(whole),\(decimals) %"
    }

    /// « 01/01/2027 00:00 UTC ».
    static func timeFR(_ date: Date) -> String { CommissionRateRefusal.timeFR(date) }
}
