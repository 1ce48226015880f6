import DjobeaDomain
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

@testable import DjobeaServer

@Suite("GET /metrics (Prometheus)")
struct MetricsTests {
    /// The value of an unlabelled series, or of the first line starting with `prefix`.
    static func value(_ text: String, _ prefix: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix + " ") || line.hasPrefix(prefix + "{") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test("logins, acceptances, durations, earnings and active providers after a login and an accept; no token needed")
    func scrapeAfterLoginAndAccept() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        var offer: (requestId: String, phone: String)?
        for provider in harness.providers where offer == nil {
            let backlog = try await FeedStore(harness.database).backlog(providerId: provider.id)
            offer = backlog.events.first { $0.kind == "offer" }.flatMap { event in event.requestId.map { ($0, provider.phone) } }
        }
        let open = try #require(offer, "the demo has an open offer")
        try await harness.application().test(.router) { client in
            let before = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let token = try await harness.login(client, phone: open.phone)
            let accepted = try await client.execute(uri: "/provider/requests/\(open.requestId)/accept", method: .put, headers: harness.bearer(token))
            #expect(accepted.status == .ok)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let after = String(buffer: response.body)
            // The counters are process-wide and other suites log in at the same time: compare, don't equate.
            #expect((Self.value(after, "provider_logins_total") ?? 0) >= (Self.value(before, "provider_logins_total") ?? 0) + 1)
            #expect((Self.value(after, "request_acceptances_total") ?? 0) >= (Self.value(before, "request_acceptances_total") ?? 0) + 1)
            #expect(after.contains("# TYPE provider_request_duration_seconds histogram"))
            let acceptCount = after.split(separator: "\n").first {
                $0.hasPrefix("provider_request_duration_seconds_count{") && $0.contains("route=\"/provider/requests/{request_id}/accept\"")
                    && $0.contains("status=\"200\"") && $0.contains("method=\"PUT\"")
            }
            #expect(acceptCount != nil, "the accept is timed under its route template")
            #expect(!after.contains("route=\"/provider/requests/\(open.requestId)"), "raw paths never become labels")
            #expect(Self.value(after, "active_providers_count") == 1, "the one provider who just logged in")
            let earnings = try #require(Self.value(after, "provider_earnings_total"))
            #expect(earnings > 0, "the demo's payments")
            #expect(earnings == Double(try await MetricsStore(harness.database).snapshot().earningsFrancs))
        }
    }

    @Test("exact values on a private registry: only successful logins and accepts count; every request is timed")
    func countsByRouteAndStatus() {
        let metrics = NodeMetrics(registry: PrometheusCollectorRegistry())
        metrics.record(method: "POST", route: "/provider/auth/verify-otp", status: 200, duration: .milliseconds(12))
        metrics.record(method: "POST", route: "/provider/auth/login", status: 200, duration: .milliseconds(300))
        metrics.record(method: "POST", route: "/provider/auth/login", status: 401, duration: .milliseconds(300))
        metrics.record(method: "PUT", route: "/provider/requests/{request_id}/accept", status: 200, duration: .milliseconds(8))
        metrics.record(method: "PUT", route: "/provider/requests/{request_id}/accept", status: 409, duration: .milliseconds(8))
        let text = String(decoding: metrics.exposition(snapshot: NodeMetricsSnapshot(activeProviders: 3, earningsFrancs: 45_000)), as: UTF8.self)
        #expect(Self.value(text, "provider_logins_total") == 2)
        #expect(Self.value(text, "request_acceptances_total") == 1)
        #expect(Self.value(text, "provider_earnings_total") == 45_000)
        #expect(Self.value(text, "active_providers_count") == 3)
        #expect(text.contains("# TYPE active_providers_count gauge"))
        let loginCounts = text.split(separator: "\n").filter {
            $0.hasPrefix("provider_request_duration_seconds_count{") && $0.contains("/provider/auth/login")
        }
        #expect(loginCounts.count == 2, "one series per status")
    }
}
