import CoreMetrics
import DjobeaStore
import Foundation
import Prometheus

/// The process's Prometheus series (seed "Monitoring et alertes"): counters and the request-duration histogram live
/// in one registry; the series read from the database are rendered at scrape time by `exposition(snapshot:)`.
public final class NodeMetrics: Sendable {
    /// The process-wide instance, bootstrapped into `MetricsSystem` on first use: swift-metrics allows one bootstrap
    /// per process, and tests build many applications.
    public static let shared: NodeMetrics = {
        let metrics = NodeMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        return metrics
    }()

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public let registry: PrometheusCollectorRegistry
    let logins: Prometheus.Counter
    let acceptances: Prometheus.Counter

    /// A separate registry, for a test that wants exact values; the app uses `shared`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.logins = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "provider_logins", unitName: "total", helpText: "Connexions prestataires réussies (code WhatsApp ou mot de passe)"))
        self.acceptances = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "request_acceptances", unitName: "total", helpText: "Demandes acceptées"))
    }

    /// Records one answered HTTP request; counts logins and acceptances from their route and status.
    ///
    /// - Parameters:
    ///   - route: the route template (`/provider/requests/{request_id}/accept`), never the raw path, to bound label values.
    func record(method: String, route: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "provider_request_duration", unitName: "seconds", helpText: "Temps de réponse des requêtes HTTP"),
            labels: [("method", method), ("route", route), ("status", String(status))], buckets: Self.durationBuckets
        ).record(duration)
        guard status == 200 else { return }
        switch (method, route) {
        case ("POST", "/provider/auth/verify-otp"), ("POST", "/provider/auth/login"): logins.increment()
        case ("PUT", "/provider/requests/{request_id}/accept"): acceptances.increment()
        default: break
        }
    }

    /// The text exposition: the registry's series followed by those read from the database and the node's storage
    /// state (`djobea_storage_degraded{reason=…}`: 1 for the reason storage refuses writes now, 0 for the others), then
    /// the sync, conflict and backup series (`SyncSeries`) when given.
    func exposition(snapshot: NodeMetricsSnapshot, storage: StorageDegradation? = nil, sync: SyncSeries? = nil) -> [UInt8] {
        var buffer = registry.emitToBuffer()
        let degraded = StorageFailure.allCases.map { reason in
            "djobea_storage_degraded{reason=\"\(reason.rawValue)\"} \(storage?.reason == reason ? 1 : 0)"
        }
        let derived = """
            # HELP provider_earnings_total Revenus générés : francs CFA des paiements canoniques du registre (annulations non déduites)
            # TYPE provider_earnings_total counter
            provider_earnings_total \(snapshot.earningsFrancs)
            # HELP active_providers_count Prestataires actifs : session valide utilisée dans les 15 dernières minutes
            # TYPE active_providers_count gauge
            active_providers_count \(snapshot.activeProviders)
            # HELP djobea_storage_degraded Stockage refusant les écritures (full : disque plein, read_only : lecture seule, io_error : erreur disque)
            # TYPE djobea_storage_degraded gauge
            \(degraded.joined(separator: "\n"))

            """
        buffer.append(contentsOf: Array(derived.utf8))
        if let sync { buffer.append(contentsOf: Array(sync.exposition.utf8)) }
        return buffer
    }
}
