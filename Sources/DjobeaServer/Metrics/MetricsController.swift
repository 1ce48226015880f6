import DjobeaStore
import Foundation
import Hummingbird

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4) of `NodeMetrics` and the database-derived series.
struct MetricsController: Sendable {
    let database: any ServedStorage
    let metrics: NodeMetrics
    /// At a hub, its name (the `hub` label of its sync series).
    var hubName: String?
    /// The node's data directory, where the last backup verification is kept.
    var dataDirectory: URL?

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/metrics",
            "Métriques Prometheus (connexions, acceptations, revenus, durée des requêtes, prestataires actifs, synchronisation, "
                + "conflits, dernière sauvegarde vérifiée) ; sans jeton"
        ) { _, _ in
            let snapshot = try await database.metricsSnapshot(now: Date())
            // The storage series above still tell a failing read; the sync series are left out then.
            let sync = try? await SyncSeries.read(storage: database, hubName: hubName, dataDirectory: dataDirectory)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(
                    byteBuffer: ByteBuffer(bytes: metrics.exposition(snapshot: snapshot, storage: database.storageHealth.degradation, sync: sync))))
        }
    }
}
