import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import Foundation
import Hummingbird

/// `GET /healthz`: who this node is and whether its database answers; a 503 `degraded` while storage refuses writes.
struct HealthController: Sendable {
    let database: any ServedStorage

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/healthz",
            "État du nœud : identité, rôle, version du schéma, nombre de lignes ; 503 « degraded » tant que le stockage refuse les écritures",
            response: NodeHealth.self
        ) { request, _ in
            // A database that cannot answer (PostgreSQL down) still gets the node's identity and a `degraded` answer.
            var snapshot: (schemaVersion: Int, rowCounts: [String: Int])?
            do {
                snapshot = try await database.healthSnapshot()
            } catch {
                guard let failure = StorageFailure.classify(error) else { throw error }
                _ = database.storageHealth.record(failure, detail: "\(error)")
            }
            let version = snapshot?.schemaVersion ?? (try? database.replicaSchemaVersion()) ?? 0
            let counts = snapshot?.rowCounts ?? [:]
            let degradation = database.storageHealth.degradation
            // A hub that central finds too old keeps serving (status stays ok) but says it needs an upgrade.
            var sync: HealthSyncNotice?
            if database.role == .hub, let link = try? await database.peerLinks().first(where: { $0.role == .central }),
                link.refusesOldProtocol
            {
                sync = HealthSyncNotice(
                    code: "sync_protocol_too_old", message: protocolTooOldNoticeFR, detail: link.lastError, since: link.lastErrorAt)
            }
            var response = try JSONResponse.make(
                NodeHealth(
                    status: degradation == nil ? "ok" : "degraded", nodeId: database.nodeId, role: database.role.rawValue, schemaVersion: version,
                    latestSchemaVersion: database.latestSchemaVersion, rowCounts: counts, storage: degradation.map(StorageState.init),
                    sync: sync),
                for: request, status: degradation == nil ? .ok : .serviceUnavailable)
            if let degradation { response.headers[.retryAfter] = String(degradation.reason.retryAfterSeconds) }
            return response
        }
    }
}

/// The answer of `GET /healthz`.
public struct NodeHealth: Codable {
    public let status: String
    public let nodeId: String
    public let role: String
    public let schemaVersion: Int
    public let latestSchemaVersion: Int
    /// Empty when the database cannot be read (`storage` then says why).
    public let rowCounts: [String: Int]
    /// Present while storage refuses writes: why, since when, in French.
    public let storage: StorageState?
    /// On a hub, present while central refuses its protocol version as too old (it serves its providers offline).
    public var sync: HealthSyncNotice? = nil
}

/// What a hub's `/healthz` says of its link to central when only an upgrade will restore it.
public struct HealthSyncNotice: Codable {
    /// `sync_protocol_too_old`.
    public let code: String
    /// « Version trop ancienne pour le central : mise à jour nécessaire ».
    public let message: String
    /// Central's refusal as recorded, naming the versions.
    public let detail: String?
    /// When central last refused.
    public let since: String?
}

/// Why the node is degraded: the stable code, its French explanation, and when it started and last failed.
public struct StorageState: Codable {
    /// `full`, `read_only`, `io_error` or `unreachable` (PostgreSQL).
    public let reason: String
    /// `stockage_plein`, `stockage_lecture_seule`, `stockage_erreur_disque` or `stockage_injoignable`, as in the refused writes' answers.
    public let code: String
    public let message: String
    public let since: String
    public let lastFailureAt: String

    init(_ degradation: StorageDegradation) {
        reason = degradation.reason.rawValue
        code = degradation.reason.code
        message = degradation.reason.messageFR
        since = UTCTimestamp.format(degradation.since)
        lastFailureAt = UTCTimestamp.format(degradation.lastFailureAt)
    }
}
