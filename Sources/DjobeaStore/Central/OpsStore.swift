import DjobeaDomain
import DjobeaReplication
import Foundation

/// Central's operations on requests, payments, providers and zones (DESIGN.md principle 11, SPEC.md §5.1). Each is one
/// transaction: the change-logged rows it writes (mission events with `actor_role` ops or client, ledger reversals,
/// provider and zone rows), the partition stakes it needs, and its line in `ops_actions`. The rows reach the hubs
/// concerned at their next pull; the rules of SPEC §4 decide against whatever the hubs did meanwhile.
/// Ops actions at central (cancel, reassign, reverse a payment, edit a provider, move a zone), each one critical write
/// transaction, on any storage (SQLite or PostgreSQL: portable SQL through the seam).
public struct OpsStore: Sendable {
    public let storage: any ReplicaStorage

    public init(_ storage: any ReplicaStorage) {
        self.storage = storage
    }

    public func cancelRequest(
        id requestId: String, _ body: OpsCancellation, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(body.reason, required: true)
        guard let by = ActorRole(rawValue: body.by), by == .client || by == .ops else {
            throw IntakeError("by", "« client » (le client a annulé) ou « ops » attendu.")
        }
        return try await opsAction(
            "cancel_request", target: requestId, reason: reason, actor: actor, key: idempotencyKey, body: ["cancel", body.by, reason ?? ""],
            now: now
        ) { tx in
            let before = try Self.requestState(requestId, in: tx.connection)
            switch before.status {
            case .annulee: throw OpsRefusal("already_cancelled", "Demande déjà annulée.")
            case .terminee: throw OpsRefusal("mission_completed", "Mission déjà terminée : elle ne peut plus être annulée.")
            default: break
            }
            let (_, state) = try tx.appendMissionEvent(
                requestId: requestId, kind: .cancelled, actorRole: by, actorId: actor.name, reasonCode: by == .client ? "client" : "ops",
                note: reason)
            let late = state.status != .annulee
            let summary =
                late
                ? "Annulation tardive enregistrée : le prestataire avait commencé (« \(state.status.labelFR) »), la mission continue ; "
                    + "frais éventuels à décider par l'équipe."
                : "Demande annulée (\(by == .client ? "par le client" : "par l'équipe Djobea")) : les offres en cours sont closes."
            return OpsActionResult(
                actionId: "", kind: "cancel_request", target: requestId, summary: summary, status: state.status.rawValue,
                statusLabel: state.status.labelFR, providerId: state.providerId, replayed: false)
        }
    }

    public func reassignRequest(
        id requestId: String, _ body: OpsReassignment, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(body.reason, required: false)
        if let provider = body.providerId, !DjobeaID.isValid(provider) {
            throw IntakeError("provider_id", "Identifiant de prestataire invalide.")
        }
        return try await opsAction(
            "reassign_request", target: requestId, reason: reason, actor: actor, key: idempotencyKey,
            body: ["reassign", body.providerId ?? "-", reason ?? ""], now: now
        ) { tx in
            let before = try Self.requestState(requestId, in: tx.connection)
            if before.status.isWorkStage || before.status == .terminee {
                throw OpsRefusal(
                    "mission_started", "Mission déjà commencée (« \(before.status.labelFR) ») : réattribution refusée (règle 1).")
            }
            if before.status == .annulee { throw OpsRefusal("request_cancelled", "Demande annulée : rouvrez-la avant de la réattribuer.") }
            if let provider = body.providerId {
                try Self.checkEligible(provider: provider, request: requestId, in: tx.connection)
                if before.providerId == provider { throw OpsRefusal("already_assigned", "Demande déjà attribuée à ce prestataire.") }
            }
            // An accepted mission goes back to Nouvelle first: a reassignment after an accept is refused by rule 1, so
            // ops' decision is an explicit reopen, recorded.
            if before.status == .acceptee {
                try tx.appendMissionEvent(
                    requestId: requestId, kind: .reopened, actorRole: .ops, actorId: actor.name, reopenTo: .nouvelle, reasonCode: "reassign",
                    note: reason)
            }
            var state: MissionState
            let summary: String
            if let provider = body.providerId {
                state = try tx.appendMissionEvent(
                    requestId: requestId, kind: .reassigned, actorRole: .ops, actorId: actor.name, providerId: provider, reasonCode: "ops",
                    note: reason
                ).state
                let name = try tx.connection.query("SELECT name FROM providers WHERE id = ?", [.text(provider)]).first?[0].textValue ?? provider
                summary = "Demande réattribuée à \(name)."
            } else if before.status == .declinee || before.status == .expiree {
                state = try tx.appendMissionEvent(
                    requestId: requestId, kind: .reoffered, actorRole: .ops, actorId: actor.name, reasonCode: "ops", note: reason
                ).state
                summary = "Demande remise en proposition : le hub de sa zone l'offre à nouveau."
            } else if before.status == .acceptee {
                state = try Self.requestState(requestId, in: tx.connection)
                summary = "Prestataire retiré : le hub de sa zone propose la demande à d'autres prestataires."
            } else {
                throw OpsRefusal("already_routing", "Demande déjà en cours de proposition aux prestataires.")
            }
            if let wanted = body.providerId, state.providerId != wanted {
                // The fold refused it (a work stage or another assignment in the events): nothing is written.
                throw OpsRefusal("reassign_refused", "Réattribution refusée : la demande est « \(state.status.labelFR) ».")
            }
            return OpsActionResult(
                actionId: "", kind: "reassign_request", target: requestId, summary: summary, status: state.status.rawValue,
                statusLabel: state.status.labelFR, providerId: state.providerId, replayed: false)
        }
    }

    public func reversePayment(
        id entryId: String, _ body: OpsReversal, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(body.reason, required: true)
        if let amount = body.amount, amount <= 0 || amount > 100_000_000 {
            throw IntakeError("amount", "Montant entier positif en francs CFA attendu.")
        }
        return try await opsAction(
            "reverse_payment", target: entryId, reason: reason, actor: actor, key: idempotencyKey,
            body: ["reverse", String(body.amount ?? 0), reason ?? ""], now: now
        ) { tx in
            let db = tx.connection
            guard let row = try db.row(SyncedTable.ledgerEntries.rawValue, key: entryId), row["kind"] == .text(LedgerEntryKind.payment.rawValue)
            else { throw IntakeError("payment_id", "Paiement introuvable.", notFound: true) }
            let original = try ReplicatedRows.ledgerEntry(from: row.columns)
            let balance = PaymentLedger.fold(
                try db.rows(SyncedTable.ledgerEntries.rawValue, where: "request_id", equals: .text(original.requestId)).map {
                    try ReplicatedRows.ledgerEntry(from: $0.columns)
                })
            guard balance.canonicalPaymentIds.contains(entryId) else {
                throw OpsRefusal("payment_not_counted", "Ce paiement est un doublon déjà exclu des totaux : rien à rembourser.")
            }
            let reversed = try !db.query(
                "SELECT id FROM ledger_entries WHERE kind = \(LedgerEntryKind.reversal.sqlLiteral) AND reverses_entry_id = ?", [.text(entryId)]
            ).isEmpty
            guard !reversed else { throw OpsRefusal("already_reversed", "Paiement déjà remboursé ou contesté.") }
            let amount = XAF(body.amount ?? original.amount.francs)
            guard amount <= original.amount else {
                throw IntakeError("amount", "Le remboursement ne peut dépasser le paiement (\(original.amount.formatted)).")
            }
            let entry = try tx.appendLedgerEntry(
                requestId: original.requestId, providerId: original.providerId, invoiceId: original.invoiceId, kind: .reversal,
                method: nil, operatorRef: nil, amount: amount, reversesEntryId: entryId, recordedBy: .ops)
            _ = try ReplicaFolds.recordLedgerConflicts(providerId: original.providerId, now: UTCTimestamp.format(tx.now), in: db)
            return OpsActionResult(
                actionId: "", kind: "reverse_payment", target: entryId,
                summary: "Paiement de \(original.amount.formatted) contre-passé pour \(amount.formatted) (remboursement ou contestation).",
                providerId: original.providerId, entryId: entry.id, replayed: false)
        }
    }

    public func updateProvider(
        id providerId: String, _ patch: ProviderPatch, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(patch.reason, required: false)
        guard patch.name != nil || patch.services != nil || patch.zones != nil || patch.level != nil || patch.active != nil else {
            throw IntakeError("body", "Rien à modifier : name, services, zones, level ou active attendu.")
        }
        let name = patch.name?.trimmingCharacters(in: .whitespaces)
        if let name, !(1...120).contains(name.count) { throw IntakeError("name", "Le nom doit faire de 1 à 120 caractères.") }
        let level = try patch.level.map { text in
            guard let level = ProviderLevel(rawValue: text) else { throw IntakeError("level", "Niveau inconnu : bronze, argent, or ou platine.") }
            return level
        }
        if patch.services?.isEmpty == true { throw IntakeError("services", "Au moins un service est requis.") }
        if patch.zones?.isEmpty == true { throw IntakeError("zones", "Au moins une zone est requise.") }
        let hash = [
            "patch", name ?? "-", patch.services?.joined(separator: ",") ?? "-", patch.zones?.joined(separator: ",") ?? "-",
            patch.level ?? "-", patch.active.map { $0 ? "1" : "0" } ?? "-", reason ?? "",
        ]
        return try await opsAction("update_provider", target: providerId, reason: reason, actor: actor, key: idempotencyKey, body: hash, now: now) {
            tx in
            let db = tx.connection
            let text: (String, String) throws -> String? = { sql, argument in try db.query(sql, [.text(argument)]).first?[0].textValue }
            guard var provider = try db.record(ProviderRecord.self, "SELECT * FROM providers WHERE id = ?", [.text(providerId)]) else {
                throw IntakeError("provider_id", "Prestataire introuvable.", notFound: true)
            }
            var changed: [ProviderRecord.Columns] = []
            var said: [String] = []
            if let name, name != provider.name {
                provider.name = name
                changed.append(.name)
                said.append("nom « \(name) »")
            }
            if let level, level != provider.level {
                provider.level = level
                changed.append(.level)
                said.append("niveau \(level.rawValue)")
            }
            if let active = patch.active, provider.accountStatus != (active ? .active : .suspended) {
                provider.accountStatus = active ? .active : .suspended
                changed.append(.accountStatus)
                said.append(active ? "compte réactivé" : "compte suspendu")
            }
            if let services = patch.services {
                let ids = try services.map { code in
                    guard let id = try text("SELECT id FROM services WHERE code = ?", code) else {
                        throw IntakeError("services", "Service inconnu : \(code).")
                    }
                    return id
                }
                let have = try db.records(ProviderServiceRecord.self, "SELECT * FROM provider_services WHERE provider_id = ?", [.text(providerId)])
                let replaced = try Self.replaceSet(have, by: \.serviceId, with: ids, in: tx) {
                    ProviderServiceRecord(id: DjobeaID.v7(now: tx.now), providerId: providerId, serviceId: $0, rateMin: nil, rateMax: nil)
                }
                if replaced {
                    said.append("services : \(services.joined(separator: ", "))")
                }
            }
            var stakes = 0
            if let zones = patch.zones {
                let ids = try zones.map { code in
                    guard let id = try text("SELECT id FROM zones WHERE code = ?", code) else {
                        throw IntakeError("zones", "Zone inconnue : \(code).")
                    }
                    return id
                }
                let have = try db.records(ProviderZoneRecord.self, "SELECT * FROM provider_zones WHERE provider_id = ?", [.text(providerId)])
                let replaced = try Self.replaceSet(have, by: \.zoneId, with: ids, in: tx) {
                    ProviderZoneRecord(id: DjobeaID.v7(now: tx.now), providerId: providerId, zoneId: $0)
                }
                if replaced {
                    said.append("zones : \(zones.joined(separator: ", "))")
                    // Zones taken away may take the provider out of a hub's partition: that hub is told (rule 14).
                    try db.execute(
                        "INSERT INTO partition_moves (table_name, row_key) VALUES (?, ?)", [.text(SyncedTable.providers.rawValue), .text(providerId)])
                }
                let newHub = try text("SELECT hub_id FROM zones WHERE id = ?", ids[0])
                if ids[0] != provider.homeZoneId {
                    provider.homeZoneId = ids[0]
                    changed.append(.homeZoneId)
                }
                if newHub != provider.hubId {
                    // The hub that numbered the provider's documents keeps numbering them until central sees it hand
                    // over (SPEC.md 4.8): the new hub waits, so two hubs never give the same number.
                    let holder = provider.numberingHubId ?? provider.hubId
                    let keeper = holder == newHub ? nil : holder
                    if keeper != provider.numberingHubId {
                        provider.numberingHubId = keeper
                        changed.append(.numberingHubId)
                    }
                    provider.hubId = newHub
                    changed.append(.hubId)
                    // CONFLICTS.md rule 14: the new hub receives every request assigned to the provider (open missions,
                    // history, unpaid invoices and what hangs from them); the old hub is told the provider left.
                    if let newHub { stakes = try Self.stakeAssignedRequests(providerId: providerId, hubId: newHub, now: tx.now, in: db) }
                    let hubName = try newHub.flatMap { try text("SELECT name FROM hubs WHERE id = ?", $0) }
                    said.append("transféré au hub « \(hubName ?? "aucun") » avec \(stakes) demande(s)")
                }
            }
            if !changed.isEmpty {
                provider.updatedAt = UTCTimestamp.format(tx.now)
                try tx.update(provider, columns: changed + [.updatedAt])
            }
            let summary =
                said.isEmpty ? "Aucun changement : le prestataire était déjà ainsi." : "Prestataire modifié : " + said.joined(separator: " ; ") + "."
            return OpsActionResult(
                actionId: "", kind: "update_provider", target: providerId, summary: summary, providerId: providerId,
                stakes: patch.zones == nil ? nil : stakes, replayed: false)
        }
    }

    public func setProviderActive(
        id providerId: String, active: Bool, _ body: OpsReason, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(body.reason, required: false)
        let kind = active ? "reinstate_provider" : "suspend_provider"
        return try await opsAction(kind, target: providerId, reason: reason, actor: actor, key: idempotencyKey, body: [kind, reason ?? ""], now: now)
        {
            tx in
            guard var provider = try tx.connection.record(ProviderRecord.self, "SELECT * FROM providers WHERE id = ?", [.text(providerId)]) else {
                throw IntakeError("provider_id", "Prestataire introuvable.", notFound: true)
            }
            let wanted: OfferCandidate.AccountStatus = active ? .active : .suspended
            guard provider.accountStatus != wanted else {
                throw OpsRefusal(active ? "already_active" : "already_suspended", active ? "Compte déjà actif." : "Compte déjà suspendu.")
            }
            provider.accountStatus = wanted
            provider.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(provider, columns: [.accountStatus, .updatedAt])
            let summary =
                active
                ? "Compte réactivé : le prestataire peut se connecter et recevoir des offres."
                : "Compte suspendu : plus de connexion ni d'offre ; ses missions en cours restent à suivre par l'équipe."
            return OpsActionResult(actionId: "", kind: kind, target: providerId, summary: summary, providerId: providerId, replayed: false)
        }
    }

    public func moveZone(
        code: String, _ body: ZoneMove, actor: OpsActor, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> OpsActionResult {
        let reason = try Self.opsReason(body.reason, required: false)
        let target = body.toHub.trimmingCharacters(in: .whitespaces)
        guard (1...120).contains(target.count) else { throw IntakeError("to_hub", "Nom ou identifiant du hub attendu.") }
        return try await opsAction(
            "move_zone", target: code, reason: reason, actor: actor, key: idempotencyKey, body: ["move", target, reason ?? ""], now: now
        ) {
            tx in
            let db = tx.connection
            guard var zone = try db.record(ZoneRecord.self, "SELECT * FROM zones WHERE code = ?", [.text(code)]) else {
                throw IntakeError("code", "Zone inconnue : \(code).", notFound: true)
            }
            guard
                let hub = try db.query(
                    "SELECT id, name FROM hubs WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1", [.text(target), .text(target), .text(target)]
                ).first, let newHub = hub["id"].textValue
            else { throw IntakeError("to_hub", "Hub inconnu : \(target).", notFound: true) }
            let zoneId = zone.id
            let oldHub = zone.hubId
            guard oldHub != newHub else { throw OpsRefusal("already_there", "La zone appartient déjà à ce hub.") }
            // The old hub keeps a stake in the zone's open requests: its offers and accepts made before it heard of the
            // move are decided by the rules (first accept wins), and the decision reaches it (SPEC.md §5.1).
            var stakes = 0
            if let oldHub {
                stakes = try db.execute(
                    """
                    INSERT INTO partition_stakes (hub_id, request_id, reason, created_at)
                    SELECT ?, r.id, \(PartitionStakeReason.zoneMoved.sqlLiteral), ?
                    FROM service_requests r LEFT JOIN missions m ON m.request_id = r.id
                    WHERE r.zone_id = ? AND (m.status IS NULL OR m.status NOT IN (\(RequestStatus.allCases.filter(\.isTerminal).sqlList)))
                    ON CONFLICT DO NOTHING
                    """, [.text(oldHub), .text(UTCTimestamp.format(tx.now)), .text(zoneId)])
            }
            zone.hubId = newHub
            try tx.update(zone, columns: [.hubId])
            let zoneName = zone.name
            let hubName = hub["name"].textValue ?? newHub
            return OpsActionResult(
                actionId: "", kind: "move_zone", target: code,
                summary: "Zone « \(zoneName) » rattachée au hub « \(hubName) » ; l'ancien hub suit encore \(stakes) demande(s) ouverte(s).",
                stakes: stakes, replayed: false)
        }
    }

    /// Every hub, by name, for ops forms.
    public func hubNames() async throws -> [(id: String, name: String)] {
        try await storage.replicaRead { db in
            try db.query("SELECT id, name FROM hubs ORDER BY name", []).map { (id: $0[0].textValue ?? "", name: $0[1].textValue ?? "") }
        }
    }

    /// The most recent ops actions, newest first.
    public func actions(limit: Int = 50) async throws -> [OpsActionRecord] {
        try await storage.replicaRead { db in
            try db.query(
                "SELECT id, kind, actor, target, reason, summary_fr, created_at FROM ops_actions ORDER BY created_at DESC, id DESC LIMIT ?",
                [.integer(Int64(limit))]
            ).map {
                OpsActionRecord(
                    id: $0["id"].textValue ?? "", kind: $0["kind"].textValue ?? "", actor: $0["actor"].textValue ?? "",
                    target: $0["target"].textValue ?? "", reason: $0["reason"].textValue, summary: $0["summary_fr"].textValue ?? "",
                    createdAt: $0["created_at"].textValue ?? "")
            }
        }
    }

    // MARK: - One action, one transaction

    /// Runs `body` as ops action `kind` in one critical write transaction and logs it; an Idempotency-Key already used
    /// with the same body returns the first answer (marked `replayed`), with another body it is refused.
    func opsAction(
        _ kind: String, target: String, reason: String?, actor: OpsActor, key: String?, body: [String], now: Date,
        _ action: @escaping @Sendable (any ChangeLoggedWrites) throws -> OpsActionResult
    ) async throws -> OpsActionResult {
        if let key, key.isEmpty || key.utf8.count > 200 {
            throw IntakeError("Idempotency-Key", "Clé d'idempotence de 1 à 200 caractères attendue.")
        }
        let bodyHash = HubTokens.sha256(([kind, target] + body).joined(separator: "\u{1F}"))
        return try await storage.localWrite(critical: true, now: now) { tx in
            if let key, let row = try tx.connection.query("SELECT body_hash, result FROM ops_actions WHERE idempotency_key = ?", [.text(key)]).first {
                guard row["body_hash"].textValue == bodyHash else {
                    throw OpsRefusal("idempotency_key_reused", "Clé d'idempotence déjà utilisée pour une autre action.")
                }
                var replay = try StoredJSON.decoder.decode(OpsActionResult.self, from: Data((row["result"].textValue ?? "").utf8))
                replay.replayed = true
                return replay
            }
            var result = try action(tx)
            result.actionId = DjobeaID.v7(now: tx.now)
            let encoder = StoredJSON.encoder
            try tx.connection.execute(
                """
                INSERT INTO ops_actions (id, kind, actor, target, reason, summary_fr, idempotency_key, body_hash, result, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(result.actionId), .text(kind), .text(actor.name), .text(target), ColumnValue(reason), .text(result.summary),
                    ColumnValue(key), .text(bodyHash), .text(String(decoding: try encoder.encode(result), as: UTF8.self)),
                    .text(UTCTimestamp.format(tx.now)),
                ])
            return result
        }
    }
}
