import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

/// Central's own writes for the platform: reference data, providers, requests, payments. All change-logged, so
/// sync carries them to the hub that owns the zone.
///
/// Reference data, providers, requests, their status and payments go through the storage seam (SQLite or PostgreSQL);
/// walk-in requests are a hub's (always SQLite).
public struct IntakeStore: Sendable {
    public let storage: any ReplicaStorage

    public init(_ storage: any ReplicaStorage) {
        self.storage = storage
    }

    /// The SQLite database, for a hub's walk-in requests.
    var database: NodeDatabase {
        get throws {
            guard let database = storage as? NodeDatabase else {
                throw StoreError.invalid("les demandes sans rendez-vous se saisissent sur un hub")
            }
            return database
        }
    }

    /// Creates the built-in service catalogue and the general commission rate if missing (deterministic ids, so every
    /// node that seeds them agrees).
    public func seedReferenceData(now: Date = Date()) async throws {
        try await storage.localWrite(critical: false, now: now) { tx in
            let connection = tx.connection
            for service in ServiceCatalogue.builtIn {
                let id = DjobeaID.derived(namespace: "service", name: service.code.rawValue)
                guard try !tx.exists(.services, key: id),
                    try connection.query("SELECT id FROM services WHERE code = ?", [.text(service.code.rawValue)]).isEmpty
                else { continue }
                try tx.insert(
                    ServiceRecord(id: id, code: service.code.rawValue, nameFr: service.nameFR, active: true, sortOrder: Int64(service.sortOrder)))
            }
            if try connection.query("SELECT id FROM commission_rates LIMIT 1", []).isEmpty {
                try tx.insert(
                    CommissionRateRecord(
                        id: DjobeaID.derived(namespace: "commission_rate", name: "general-seed"), level: nil, basisPoints: 1_000,
                        effectiveFrom: UTCTimestamp.format(Date(timeIntervalSince1970: 0)), createdAt: UTCTimestamp.format(now)))
            }
        }
    }

    /// Registers (or updates) a provider with their services and zones. Returns the provider id.
    public func registerProvider(_ registration: ProviderRegistration, now: Date = Date()) async throws -> String {
        let name = registration.name.trimmingCharacters(in: .whitespaces)
        guard (1...120).contains(name.count) else { throw IntakeError("name", "Le nom doit faire de 1 à 120 caractères.") }
        guard let phone = PhoneNumber.normalizeCameroon(registration.phone) else {
            throw IntakeError("phone", "Numéro camerounais attendu (+237 suivi de 9 chiffres).")
        }
        guard !registration.services.isEmpty, !registration.zones.isEmpty else {
            throw IntakeError("services", "Au moins un service et une zone sont requis.")
        }
        var hours = #"{"start":"08:00","end":"18:00","days":[1,2,3,4,5,6]}"#
        if let given = registration.workingHours {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            hours = String(decoding: try encoder.encode(given), as: UTF8.self)
            guard WorkingHours(json: hours) != nil else {
                throw IntakeError("working_hours", "Horaires invalides : {\"start\":\"08:00\",\"end\":\"18:00\",\"days\":[1,2,3,4,5]} (1 = lundi).")
            }
        }
        let workingHours = hours
        return try await storage.localWrite(critical: false, now: now) { tx in
            let db = tx.connection
            func text(_ sql: String, _ argument: String) throws -> String? { try db.query(sql, [.text(argument)]).first?[0].textValue }
            let serviceIds = try registration.services.map { code in
                guard let id = try text("SELECT id FROM services WHERE code = ?", code) else {
                    throw IntakeError("services", "Service inconnu : \(code).")
                }
                return id
            }
            let zoneIds = try registration.zones.map { code in
                guard let id = try text("SELECT id FROM zones WHERE code = ?", code) else {
                    throw IntakeError("zones", "Zone inconnue : \(code).")
                }
                return id
            }
            let existing = try db.record(ProviderRecord.self, "SELECT * FROM providers WHERE phone = ?", [.text(phone)])
            let providerId = existing?.id ?? DjobeaID.v7(now: now)
            let hubId = try text("SELECT hub_id FROM zones WHERE id = ?", zoneIds[0])
            let stamp = UTCTimestamp.format(now)
            if var provider = existing {
                // The name is the provider's own field (CONFLICTS.md rule 12): only ops' fields change here.
                provider.hubId = hubId
                provider.updatedAt = stamp
                try tx.update(provider, columns: [.hubId, .updatedAt])
            } else {
                try tx.insert(
                    ProviderRecord(
                        id: providerId, phone: phone, name: name, email: registration.email, bio: nil, photoSha256: nil, level: .bronze,
                        accountStatus: .active, awayMode: false, awayUntil: nil, awayMessage: nil, homeZoneId: zoneIds[0], hubId: hubId,
                        joinedAt: stamp, updatedAt: stamp))
                try tx.insert(
                    ProviderSettingsRecord(
                        id: DjobeaID.v7(now: now), providerId: providerId, notificationsEnabled: true, autoAcceptFamiliarClients: false,
                        workingHours: workingHours, notificationSound: true, summaryFrequency: .weekly, requestTypes: "[]", createdAt: stamp,
                        updatedAt: stamp))
            }
            for serviceId in serviceIds
            where try db.query("SELECT id FROM provider_services WHERE provider_id = ? AND service_id = ?", [.text(providerId), .text(serviceId)])
                .isEmpty
            {
                try tx.insert(
                    ProviderServiceRecord(id: DjobeaID.v7(now: now), providerId: providerId, serviceId: serviceId, rateMin: nil, rateMax: nil))
            }
            for zoneId in zoneIds
            where try db.query("SELECT id FROM provider_zones WHERE provider_id = ? AND zone_id = ?", [.text(providerId), .text(zoneId)]).isEmpty {
                try tx.insert(ProviderZoneRecord(id: DjobeaID.v7(now: now), providerId: providerId, zoneId: zoneId))
            }
            return providerId
        }
    }

    /// Takes in a new request: finds or creates its client by phone, writes the request and starts its lifecycle.
    public func intakeRequest(_ intake: RequestIntake, channel: RequestChannel = .platform, now: Date = Date()) async throws -> String {
        let checked = try Self.checkIntake(intake)
        return try await storage.localWrite(critical: false, now: now) { tx in try Self.insertRequest(checked, channel: channel, in: tx) }
    }

    /// A walk-in client's request entered by a provider at their hub: the request, already accepted by that provider,
    /// in one transaction. Sync carries it to central like any hub change.
    ///
    /// - Parameters:
    ///   - idempotencyKey: the provider's key for this entry: the same key (with the same body) answers the first
    ///     request id and writes nothing; another body with it throws `idempotency_key_reused`.
    public func walkInRequest(_ intake: RequestIntake, providerId: String, idempotencyKey: String? = nil, now: Date = Date()) async throws
        -> String
    {
        let checked = try Self.checkIntake(intake)
        let key = try RequestCommandReplay.check(idempotencyKey)
        return try await database.write(durability: .critical, now: now) { tx in
            if let key, let replay = try RecordedId.replay("walk_in", scope: providerId, requestId: "", key: key, in: tx.connection) { return replay }
            // Only in a zone of the provider's own hub (or, on a hub not yet linked, one they serve): a hub writes
            // only inside its partition.
            let allowed =
                try Bool.fetchOne(
                    tx.db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM zones z JOIN providers p ON p.id = ?1
                            WHERE z.code = ?2 AND (z.hub_id = p.hub_id
                                OR (p.hub_id IS NULL AND z.id IN (SELECT zone_id FROM provider_zones WHERE provider_id = ?1))))
                        """, arguments: [providerId, checked.intake.zone]) ?? false
            guard allowed else { throw IntakeError("zone", "Zone hors de ce hub : \(checked.intake.zone).") }
            // A client row of its own, whatever the phone: the provider sees only what they typed, and a client
            // who already has this phone keeps their name, history and ratings to themselves.
            let requestId = try Self.insertRequest(checked, channel: .walkIn, newClient: true, in: tx)
            _ = try tx.appendMissionEvent(requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
            if let key { try RecordedId.record("walk_in", requestId, scope: providerId, requestId: "", key: key, now: tx.now, in: tx.connection) }
            return requestId
        }
    }

    struct CheckedIntake: Sendable {
        var intake: RequestIntake
        var urgency: Urgency
        var phone: String
        var clientName: String
        var title: String?
    }

    static func checkIntake(_ intake: RequestIntake) throws -> CheckedIntake {
        guard let urgency = Urgency(rawValue: intake.urgency) else {
            throw IntakeError("urgency", "Urgence inconnue (urgent, aujourd_hui, cette_semaine, planifie).")
        }
        guard let phone = PhoneNumber.normalizeCameroon(intake.clientPhone) else {
            throw IntakeError("client_phone", "Numéro camerounais attendu (+237 suivi de 9 chiffres).")
        }
        let clientName = intake.clientName.trimmingCharacters(in: .whitespaces)
        guard (1...120).contains(clientName.count) else { throw IntakeError("client_name", "Nom du client requis (120 caractères au plus).") }
        guard intake.description.count <= 4000, !intake.description.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw IntakeError("description", "Description requise (4 000 caractères au plus).")
        }
        guard intake.address.count <= 300, !intake.address.isEmpty else { throw IntakeError("address", "Adresse requise (300 caractères au plus).") }
        if let min = intake.budgetMin, min < 0 { throw IntakeError("budget_min", "Budget négatif.") }
        if let min = intake.budgetMin, let max = intake.budgetMax, max < min { throw IntakeError("budget_max", "Budget maximum sous le minimum.") }
        if let wished = intake.wishedAt, UTCTimestamp.parse(wished) == nil { throw IntakeError("wished_at", "Date UTC ISO 8601 attendue.") }
        let title = (intake.title?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : String($0.prefix(160)) }
        return CheckedIntake(intake: intake, urgency: urgency, phone: phone, clientName: clientName, title: title)
    }

    /// - Parameter newClient: make a client row for this request alone (a walk-in) instead of the known client of
    ///   this phone.
    static func insertRequest(_ checked: CheckedIntake, channel: RequestChannel, newClient: Bool = false, in tx: any ChangeLoggedWrites) throws
        -> String
    {
        let (intake, urgency, phone, clientName, title, now) = (
            checked.intake, checked.urgency, checked.phone, checked.clientName, checked.title, tx.now
        )
        let db = tx.connection
        guard let serviceRow = try db.query("SELECT id, name_fr FROM services WHERE code = ?", [.text(intake.service)]).first,
            let serviceId = serviceRow["id"].textValue, let serviceName = serviceRow["name_fr"].textValue
        else {
            throw IntakeError("service", "Service inconnu : \(intake.service).")
        }
        guard let zoneRow = try db.query("SELECT id, name FROM zones WHERE code = ?", [.text(intake.zone)]).first,
            let zoneId = zoneRow["id"].textValue, let zoneName = zoneRow["name"].textValue
        else {
            throw IntakeError("zone", "Zone inconnue : \(intake.zone).")
        }
        let clientId: String
        if !newClient, let existing = try db.query(Self.clientByPhoneSQL, [.text(phone)]).first?[0].textValue {
            clientId = existing
        } else {
            clientId = DjobeaID.v7(now: now)
            try tx.insert(
                ClientRecord(
                    id: clientId, phone: phone, name: clientName, zoneId: zoneId, address: intake.address, createdAt: UTCTimestamp.format(now),
                    optedOutAt: nil, noWhatsappAt: nil))
        }
        let requestId = DjobeaID.v7(now: now)
        try tx.insert(
            ServiceRequestRecord(
                id: requestId, clientId: clientId, serviceId: serviceId, zoneId: zoneId, urgency: urgency,
                title: title ?? "\(serviceName) — \(zoneName)", description: intake.description, address: intake.address,
                budgetMin: intake.budgetMin.map(Int64.init), budgetMax: intake.budgetMax.map(Int64.init), wishedTimeLabel: intake.wishedTimeLabel,
                wishedAt: intake.wishedAt, channel: channel, createdAt: UTCTimestamp.format(now), updatedAt: UTCTimestamp.format(now)))
        // The `missions` row of a new request: status Nouvelle, no events yet.
        try ReplicaFolds.refreshMission(requestId: requestId, in: db)
        return requestId
    }

    /// The client known by a phone, for a request from the platform: never the row of a walk-in (made for that request
    /// alone), the oldest when several remain.
    static let clientByPhoneSQL = """
        SELECT c.id FROM clients c
        WHERE c.phone = ?
            AND (NOT EXISTS (SELECT 1 FROM service_requests r WHERE r.client_id = c.id AND r.channel = \(RequestChannel.walkIn.sqlLiteral))
                OR EXISTS (SELECT 1 FROM service_requests r WHERE r.client_id = c.id AND r.channel <> \(RequestChannel.walkIn.sqlLiteral)))
        ORDER BY c.created_at, c.id LIMIT 1
        """

    /// The request's status as this node knows it.
    public func requestStatus(id: String) async throws -> CentralRequestStatus? {
        try await storage.replicaRead { db in
            guard
                let row = try db.query(
                    """
                    SELECT r.id, z.code AS zone, s.code AS service, m.status, m.provider_id, p.name AS provider_name,
                        coalesce(m.conflict_count, 0) AS conflict_count
                    FROM service_requests r JOIN zones z ON z.id = r.zone_id JOIN services s ON s.id = r.service_id
                    LEFT JOIN missions m ON m.request_id = r.id LEFT JOIN providers p ON p.id = m.provider_id
                    WHERE r.id = ?
                    """, [.text(id)]
                ).first
            else { return nil }
            let status = row["status"].textValue.flatMap(RequestStatus.init(rawValue:)) ?? .nouvelle
            let entries = try db.rows(SyncedTable.ledgerEntries.rawValue, where: "request_id", equals: .text(id)).map {
                try ReplicatedRows.ledgerEntry(from: $0.columns)
            }
            return CentralRequestStatus(
                id: row["id"].textValue ?? id, zone: row["zone"].textValue ?? "", service: row["service"].textValue ?? "", status: status.rawValue,
                statusLabel: status.labelFR, providerId: row["provider_id"].textValue, providerName: row["provider_name"].textValue,
                conflictCount: Int(row["conflict_count"].integerValue ?? 0), paid: PaymentLedger.fold(entries).paid.francs)
        }
    }

    /// Records a confirmed payment for a request (its assigned provider's ledger). Returns the entry id.
    ///
    /// - Parameters:
    ///   - idempotencyKey: the caller's key for this payment (a provider's own, or the platform's when
    ///     `expectedProvider` is nil): the same key (with the same body) answers the first entry id and writes nothing;
    ///     another request or body with it throws `idempotency_key_reused`.
    public func recordPayment(
        _ payment: PaymentIntake, recordedBy: ActorRole, providerId expectedProvider: String? = nil, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> String {
        guard let method = PaymentMethod(rawValue: payment.method) else {
            throw IntakeError("method", "Moyen de paiement inconnu (cash, mtn_momo, orange_money).")
        }
        guard payment.amount > 0, payment.amount <= 100_000_000 else { throw IntakeError("amount", "Montant entier positif en francs CFA attendu.") }
        let reference = payment.reference?.trimmingCharacters(in: .whitespaces)
        if method != .cash, reference?.isEmpty ?? true { throw IntakeError("reference", "Référence de l'opérateur requise.") }
        if let reference, reference.count > 100 { throw IntakeError("reference", "Référence trop longue (100 caractères au plus).") }
        let key = try RequestCommandReplay.check(idempotencyKey)
        let scope = expectedProvider ?? "~\(recordedBy.rawValue)"
        return try await storage.localWrite(critical: true, now: now) { tx in
            // For a provider, an unknown request and another provider's are the same answer, word for word (the
            // provider routes' `not_found`): the difference would tell them which ids exist.
            let missing = expectedProvider == nil ? "Demande inconnue ou sans prestataire attribué." : ProviderRequestError.notFound.messageFR
            if let key, let replay = try RecordedId.replay("record_payment", scope: scope, requestId: payment.requestId, key: key, in: tx.connection)
            {
                return replay
            }
            guard
                let providerId = try tx.connection.query(
                    "SELECT provider_id FROM missions WHERE request_id = ? AND provider_id IS NOT NULL", [.text(payment.requestId)]
                ).first?[0].textValue
            else { throw IntakeError("request_id", missing, notFound: true) }
            if let expectedProvider, expectedProvider != providerId { throw IntakeError("request_id", missing, notFound: true) }
            let invoiceId = try tx.connection.query("SELECT id FROM invoices WHERE request_id = ?", [.text(payment.requestId)]).first?[0].textValue
            let entry = try tx.appendLedgerEntry(
                requestId: payment.requestId, providerId: providerId, invoiceId: invoiceId, kind: .payment, method: method,
                operatorRef: method == .cash ? (reference?.isEmpty == false ? reference : nil) : reference, amount: XAF(payment.amount),
                recordedBy: recordedBy)
            _ = try ReplicaFolds.recordLedgerConflicts(providerId: providerId, now: UTCTimestamp.format(tx.now), in: tx.connection)
            if let key {
                try RecordedId.record(
                    "record_payment", entry.id, scope: scope, requestId: payment.requestId, key: key, now: tx.now, in: tx.connection)
            }
            return entry.id
        }
    }
}
