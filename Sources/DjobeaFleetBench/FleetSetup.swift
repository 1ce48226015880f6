import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation

/// Central's own writes for the bench, through the real APIs on either storage: reference data (`IntakeStore`), hub
/// enrolments (`enrolHub`), providers, and the requests taken in during the run.
enum FleetSetup {
    static func seedReferenceData(_ storage: any ReplicaStorage) async throws {
        try await IntakeStore(storage).seedReferenceData()
    }

    /// Registers hub `name` for `zoneCodes` and returns its one-time enrolment token.
    static func enrolHub(_ storage: any ReplicaStorage, name: String, zoneCodes: [String]) async throws -> String {
        try await storage.enrolHub(name: name, zoneCodes: zoneCodes).token
    }

    /// Registers a provider for one service in the given zones (the first is the home zone) and returns their id.
    static func registerProvider(_ storage: any ReplicaStorage, name: String, phone: String, service: String, zoneCodes: [String]) async throws
        -> String
    {
        try await IntakeStore(storage).registerProvider(ProviderRegistration(name: name, phone: phone, services: [service], zones: zoneCodes))
    }

    /// Takes in a client's request in `zone` (a new client each time: random phones) and returns its id.
    static func intakeRequest(_ storage: any ReplicaStorage, zone: String, service: String, phone: String) async throws -> String {
        let intake = RequestIntake(
            zone: zone, service: service, urgency: Urgency.aujourdhui.rawValue, description: "Fuite sous l'évier, l'eau coule en continu.",
            address: "Rue 1.234, près de la pharmacie", clientName: "Client \(phone.suffix(4))", clientPhone: phone, budgetMin: 5_000,
            budgetMax: 25_000)
        return try await IntakeStore(storage).intakeRequest(intake)
    }
}
