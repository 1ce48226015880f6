import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation

/// Central's own writes for the bench: reference data, hub enrolments, providers, and the requests taken in during the
/// run. On SQLite they go through the real APIs (`IntakeStore`, `enrolHub`); on PostgreSQL, until those run on any
/// storage, through `localWrite` with the same typed records and the same derived ids.
enum FleetSetup {
    static func seedReferenceData(_ storage: any ReplicaStorage) async throws {
        if let database = storage as? NodeDatabase { return try await IntakeStore(database).seedReferenceData() }
        try await storage.localWrite(critical: false, now: Date()) { tx in
            for service in ServiceCatalogue.builtIn {
                let id = DjobeaID.derived(namespace: "service", name: service.code.rawValue)
                guard try !tx.exists(.services, key: id) else { continue }
                try tx.insert(
                    ServiceRecord(id: id, code: service.code.rawValue, nameFr: service.nameFR, active: true, sortOrder: Int64(service.sortOrder)))
            }
            if try tx.connection.query("SELECT count(*) FROM commission_rates", []).first?[0].integerValue ?? 0 == 0 {
                try tx.insert(
                    CommissionRateRecord(
                        id: DjobeaID.derived(namespace: "commission_rate", name: "general-seed"), level: nil, basisPoints: 1_000,
                        effectiveFrom: UTCTimestamp.format(Date(timeIntervalSince1970: 0)), createdAt: UTCTimestamp.format(tx.now)))
            }
        }
    }

    /// Registers hub `name` for `zoneCodes` and returns its one-time enrolment token.
    static func enrolHub(_ storage: any ReplicaStorage, name: String, zoneCodes: [String]) async throws -> String {
        if let database = storage as? NodeDatabase { return try await database.enrolHub(name: name, zoneCodes: zoneCodes).token }
        let token = "djh1_" + UUID().uuidString.lowercased() + UUID().uuidString.lowercased()
        let now = Date()
        try await storage.localWrite(critical: false, now: now) { tx in
            let hubId = DjobeaID.derived(namespace: "hub", name: name)
            let stamp = UTCTimestamp.format(now)
            try tx.insert(HubRecord(id: hubId, name: name, createdAt: stamp))
            for code in zoneCodes {
                try tx.insert(ZoneRecord(id: DjobeaID.derived(namespace: "zone", name: code), code: code, name: code, hubId: hubId, createdAt: stamp))
            }
            try tx.connection.execute(
                "INSERT INTO hub_enrolments (token_sha256, hub_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [.text(HubTokens.sha256(token)), .text(hubId), .text(stamp), .text(UTCTimestamp.format(now.addingTimeInterval(86_400)))])
        }
        return token
    }

    /// Registers a provider for one service in the given zones (the first is the home zone) and returns their id.
    static func registerProvider(_ storage: any ReplicaStorage, name: String, phone: String, service: String, zoneCodes: [String]) async throws
        -> String
    {
        if let database = storage as? NodeDatabase {
            return try await IntakeStore(database).registerProvider(
                ProviderRegistration(name: name, phone: phone, services: [service], zones: zoneCodes))
        }
        let now = Date()
        return try await storage.localWrite(critical: false, now: now) { tx in
            let stamp = UTCTimestamp.format(now)
            let zoneIds = zoneCodes.map { DjobeaID.derived(namespace: "zone", name: $0) }
            let hubId = try tx.connection.query("SELECT hub_id FROM zones WHERE id = ?", [.text(zoneIds[0])]).first?[0].textValue
            let providerId = DjobeaID.v7(now: now)
            try tx.insert(
                ProviderRecord(
                    id: providerId, phone: phone, name: name, level: .bronze, accountStatus: .active, awayMode: false, homeZoneId: zoneIds[0],
                    hubId: hubId, joinedAt: stamp, updatedAt: stamp))
            try tx.insert(
                ProviderSettingsRecord(
                    id: DjobeaID.v7(now: now), providerId: providerId, notificationsEnabled: true, autoAcceptFamiliarClients: false,
                    workingHours: #"{"days":[1,2,3,4,5,6],"end":"18:00","start":"08:00"}"#, notificationSound: true, summaryFrequency: .weekly,
                    requestTypes: "[]", createdAt: stamp, updatedAt: stamp))
            try tx.insert(
                ProviderServiceRecord(
                    id: DjobeaID.v7(now: now), providerId: providerId, serviceId: DjobeaID.derived(namespace: "service", name: service), rateMin: nil,
                    rateMax: nil))
            for zoneId in zoneIds { try tx.insert(ProviderZoneRecord(id: DjobeaID.v7(now: now), providerId: providerId, zoneId: zoneId)) }
            return providerId
        }
    }

    /// Takes in a client's request in `zone` (a new client each time: random phones) and returns its id.
    static func intakeRequest(_ storage: any ReplicaStorage, zone: String, service: String, phone: String) async throws -> String {
        let intake = RequestIntake(
            zone: zone, service: service, urgency: Urgency.aujourdhui.rawValue, description: "Fuite sous l'évier, l'eau coule en continu.",
            address: "Rue 1.234, près de la pharmacie", clientName: "Client \(phone.suffix(4))", clientPhone: phone, budgetMin: 5_000,
            budgetMax: 25_000)
        if let database = storage as? NodeDatabase { return try await IntakeStore(database).intakeRequest(intake) }
        let now = Date()
        return try await storage.localWrite(critical: false, now: now) { tx in
            let stamp = UTCTimestamp.format(now)
            let zoneId = DjobeaID.derived(namespace: "zone", name: zone)
            let clientId = DjobeaID.v7(now: now)
            try tx.insert(
                ClientRecord(id: clientId, phone: phone, name: intake.clientName, zoneId: zoneId, address: intake.address, createdAt: stamp))
            let requestId = DjobeaID.v7(now: now)
            try tx.insert(
                ServiceRequestRecord(
                    id: requestId, clientId: clientId, serviceId: DjobeaID.derived(namespace: "service", name: service), zoneId: zoneId,
                    urgency: .aujourdhui, title: "Plomberie — \(zone)", description: intake.description, address: intake.address,
                    budgetMin: 5_000, budgetMax: 25_000, channel: .platform, createdAt: stamp, updatedAt: stamp))
            _ = try ReplicaFolds.refreshMission(requestId: requestId, in: tx.connection)
            return requestId
        }
    }
}
