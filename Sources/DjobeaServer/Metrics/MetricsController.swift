import DjobeaStore
import Foundation
import Hummingbird

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4) of `NodeMetrics` and the database-derived series.
struct MetricsController: Sendable {
    let database: any ServedStorage
    let metrics: NodeMetrics

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/metrics",
            "Métriques Prometheus (connexions, acceptations, revenus, durée des requêtes, prestataires actifs) ; sans jeton"
        ) { _, _ in
            let snapshot = try await database.metricsSnapshot(now: Date())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(snapshot: snapshot, storage: database.storageHealth.degradation))))
        }
    }
}
