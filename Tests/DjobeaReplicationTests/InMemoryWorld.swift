import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import Logging
import Testing

/// Central in memory with its reference data, and hubs enrolled through the real sync service and synced in memory.
struct InMemoryWorld {
    static let quiet = Logger(label: "in-memory-world", factory: { _ in SwiftLogNoOpLogHandler() })

    let central: NodeDatabase
    let intake: IntakeStore
    /// A service of the built-in catalogue, for providers and requests.
    let service: String
    let sync: CentralSyncService

    struct Hub {
        let database: NodeDatabase
        let engine: SyncEngine
    }

    static func make() async throws -> InMemoryWorld {
        let central = try NodeDatabase.inMemory(role: .central)
        let intake = IntakeStore(central)
        try await intake.seedReferenceData()
        let service = try #require(ServiceCatalogue.builtIn.first).code.rawValue
        return InMemoryWorld(central: central, intake: intake, service: service, sync: CentralSyncService(storage: central, logger: quiet))
    }

    /// A hub enrolled for `zone`, knowing its own hub id as a linked hub does.
    func hub(_ name: String, zone: String) async throws -> Hub {
        let enrolment = try await central.enrolHub(name: name, zoneCodes: [zone])
        let database = try NodeDatabase.inMemory(role: .hub)
        let answer = try await sync.enroll(
            EnrollRequest(token: enrolment.token, nodeId: database.nodeId, schemaVersion: try database.schemaVersion()))
        database.homeHubId = answer.hubId
        let transport = InMemorySyncTransport(link: CentralLink(centralURL: "memory://central", enrolment: answer), hub: database, central: sync)
        return Hub(database: database, engine: SyncEngine(database: database, transport: transport, logger: Self.quiet))
    }

    func provider(_ name: String, phone: String, zone: String) async throws -> String {
        try await intake.registerProvider(ProviderRegistration(name: name, phone: phone, services: [service], zones: [zone]))
    }

    func request(zone: String, _ description: String, client: String, phone: String) async throws -> String {
        try await intake.intakeRequest(
            RequestIntake(
                zone: zone, service: service, urgency: "urgent", title: nil, description: description, address: "Rue 1", clientName: client,
                clientPhone: phone, budgetMin: nil, budgetMax: nil, wishedAt: nil, wishedTimeLabel: nil))
    }

    /// The provider takes `request` at `hub` and works it up to Réparation.
    static func repairing(_ request: String, provider: String, at hub: NodeDatabase) async throws {
        try await hub.write { tx in
            for kind in [MissionEventKind.accepted, .arrived, .diagnosed, .repairing] {
                _ = try tx.appendMissionEvent(requestId: request, kind: kind, actorRole: .provider, actorId: provider, providerId: provider)
            }
        }
    }

    static func complete(_ request: String, provider: String, at hub: NodeDatabase) async throws {
        try await hub.write { tx in
            _ = try tx.appendMissionEvent(requestId: request, kind: .completed, actorRole: .provider, actorId: provider, providerId: provider)
        }
    }
}
