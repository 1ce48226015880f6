import DjobeaDomain
import DjobeaReplication
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DjobeaServer

/// Central's `/ops` with a fleet of 500 hubs: most behind first, a filter, one page of cards, under 100 KB.
@Suite("Ops: the fleet view of 500 hubs", .serialized)
struct OpsFleetTests: ReadsJSONResponses {
    /// 500 hubs: `Hub 000`…`Hub 498` (zone `quartier-NNN`) and `Makèpè Nord` (zone `makepe-nord`). Hubs 000-209 are
    /// linked: 000-009 heard from a few seconds ago (on time), 010-204 `N` minutes ago (late, the higher the later),
    /// 205-209 revoked; the others never synced.
    static func fleet() async throws -> Node {
        let node = try await OpsTests.centralNode()
        let central = node.database
        let now = Date()
        var onTime: [(nodeId: String, name: String)] = []
        for index in 0..<500 {
            let name = index == 499 ? "Makèpè Nord" : String(format: "Hub %03d", index)
            let zone = index == 499 ? "makepe-nord" : String(format: "quartier-%03d", index)
            let enrolment = try await central.enrolHub(name: name, zoneCodes: [zone])
            guard index < 210 else { continue }
            let nodeId = UUID().uuidString.lowercased()
            _ = try #require(try await central.redeemEnrolment(token: enrolment.token, nodeId: nodeId))
            let seen = UTCTimestamp.format(now.addingTimeInterval(index < 10 ? -Double(index) / 2 : -Double(index) * 60))
            try await central.updatePeer(nodeId: nodeId, role: .hub, name: name, [.lastSeenAt(seen), .succeeded(at: seen)])
            if index >= 205 { _ = try await central.revokeHub(name: name) }
            if index < 10 { onTime.append((nodeId, name)) }
        }
        // Enrolling 500 hubs takes seconds on a loaded machine: the on-time hubs are heard from again at the end.
        let end = Date()
        for (index, hub) in onTime.enumerated() {
            let seen = UTCTimestamp.format(end.addingTimeInterval(-Double(index) / 2))
            try await central.updatePeer(nodeId: hub.nodeId, role: .hub, name: hub.name, [.lastSeenAt(seen), .succeeded(at: seen)])
        }
        return node
    }

    /// The hub names of the page's cards, in order.
    static func cardNames(_ html: String) -> [String] {
        html.components(separatedBy: "<article class=\"card\"><h3>").dropFirst().compactMap { $0.components(separatedBy: "</h3>").first }
    }

    @Test("500 hubs: the page is French, under 100 KB, the latest hubs first, counts for all; the filter narrows the list")
    func fiveHundredHubs() async throws {
        let node = try await Self.fleet()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        try await node.application().test(.live) { client in
            let (_, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let session = try #require(cookie)
            func page(_ query: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.execute(uri: "/ops" + query, method: .get, headers: [.cookie: session])
                return (response.status, String(buffer: response.body))
            }

            let started = ContinuousClock.now
            let (status, html) = try await page("")
            let elapsed = ContinuousClock.now - started
            #expect(status == .ok)
            let size = html.utf8.count
            print("OpsFleetTests: /ops with 500 hubs = \(size) bytes in \(elapsed)")
            #expect(size < 100_000, "page of \(size) bytes")
            #expect(html.contains("<html lang=\"fr\">"))
            #expect(!html.contains("<script"))
            #expect(html.contains("Hubs (500)"))
            #expect(html.contains("500 hubs : "))
            #expect(html.contains("195 en retard"), "Hub 010-204 are late")
            #expect(html.contains("290 jamais synchronisés"))
            #expect(html.contains("10 à jour"))
            #expect(html.contains("5 révoqués"))
            #expect(html.contains("475 autres hubs : affinez le filtre"))
            #expect(html.contains("<form method=\"get\" action=\"/ops\""))
            let names = Self.cardNames(html)
            #expect(names.count == OpsFleet.pageSize)
            #expect(Array(names.prefix(3)) == ["Hub 204", "Hub 203", "Hub 202"], "the latest first: \(names.prefix(5))")

            // The second page goes on where the first stopped.
            let (_, second) = try await page("?page=2")
            #expect(Self.cardNames(second).first == "Hub 179")
            #expect(second.contains("Hubs 26 à 50 sur 500"))
            #expect(second.contains("Page précédente"))

            // By zone or name, without accents or case; by group.
            let (_, byZone) = try await page("?q=quartier-042")
            #expect(Self.cardNames(byZone) == ["Hub 042"])
            #expect(byZone.contains("value=\"quartier-042\""), "the form keeps the text")
            #expect(byZone.contains("500 hubs : "), "the counts stay those of the whole fleet")
            let (_, byName) = try await page("?q=MAKEPE")
            #expect(Self.cardNames(byName) == ["Makèpè Nord"])
            let (_, revoked) = try await page("?etat=revoked")
            #expect(Self.cardNames(revoked) == ["Hub 205", "Hub 206", "Hub 207", "Hub 208", "Hub 209"])
            #expect(revoked.contains("<option value=\"revoked\" selected>"))
            let (_, onTime) = try await page("?etat=ok&q=hub+00")
            #expect(Self.cardNames(onTime).count == 10)
            let (_, never) = try await page("?etat=never")
            #expect(Self.cardNames(never).first == "Hub 210", "never-synced hubs by name")
            let (_, nothing) = try await page("?q=introuvable")
            #expect(nothing.contains("Aucun hub ne correspond à ce filtre."))

            // The JSON: every hub, in the same order, with the same counts; the same filters.
            let json = try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer \(OpsTests.apiKey)"])
            let report = try decode(OpsSyncStatus.self, json)
            #expect(report.hubs.count == 500)
            #expect(report.hubs.first?.name == "Hub 204")
            #expect(report.hubs.last?.category == "revoked")
            #expect(report.fleet == OpsFleetCounts(total: 500, late: 195, error: 0, never: 290, ok: 10, revoked: 5))
            #expect(report.hubs.first { $0.name == "Hub 042" }?.zones == ["quartier-042"])
            let filtered = try await client.execute(
                uri: "/ops/sync-status?etat=late&q=hub+01", method: .get, headers: [.authorization: "Bearer \(OpsTests.apiKey)"])
            let late = try decode(OpsSyncStatus.self, filtered)
            #expect(late.hubs.map(\.name) == (10...19).reversed().map { String(format: "Hub %03d", $0) })
            #expect(late.fleet?.total == 500)

            // Prometheus scrapes central's /metrics every 15 s or so: one series per hub that ever synced, in one answer.
            let scrapeStart = ContinuousClock.now
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let scrape = ContinuousClock.now - scrapeStart
            let text = String(buffer: metrics.body)
            print("OpsFleetTests: /metrics with 500 hubs = \(text.utf8.count) bytes in \(scrape)")
            #expect(metrics.status == .ok)
            let lastSuccess = text.split(separator: "\n").filter { $0.hasPrefix("djobea_sync_last_success_timestamp_seconds{") }
            #expect(lastSuccess.count == 210, "the 210 hubs that synced (revoked ones included), not the 290 that never did")
            #expect(text.contains("djobea_sync_pending_changes{hub=\"Makèpè Nord\"} 0"), "every enrolled hub has its backlog series")
        }
    }

    @Test("an oversized, unknown or odd filter gets 422 invalid_parameter (never a 500); markup in the text is escaped")
    func filterValidated() async throws {
        let node = try await OpsTests.centralNode()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        _ = try await node.database.enrolHub(name: "Hub Makepe", zoneCodes: ["makepe"])
        try await node.application().test(.live) { client in
            let (_, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let session = try #require(cookie)
            let long = String(repeating: "a", count: 81)
            let refused = [
                "?q=\(long)", "?q=%00abc", "?q=a%0Ab", "?etat=bogus", "?etat=%3Cscript%3E", "?page=0", "?page=abc", "?page=-1",
                "?page=99999999999999999999", "?page=10001",
            ]
            for path in ["/ops", "/ops/sync-status"] {
                for query in refused {
                    let response = try await client.execute(uri: path + query, method: .get, headers: [.cookie: session])
                    #expect(response.status == .unprocessableContent, "\(path)\(query): \(response.status)")
                    #expect(Self.errorCode(response) == "invalid_parameter", "\(path)\(query)")
                    #expect(Self.errorMessage(response)?.contains("Paramètre") == true)
                }
                for query in ["?q=%ZZ", "?q=%E9t%C3", "?q=\(String(repeating: "%F0%9F%98%80", count: 80))", "?q=&etat=&page=", "?q=a&q=b"] {
                    let response = try await client.execute(uri: path + query, method: .get, headers: [.cookie: session])
                    #expect(response.status.code < 500, "\(path)\(query): \(response.status)")
                }
            }
            let markup = try await client.execute(uri: "/ops?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", method: .get, headers: [.cookie: session])
            #expect(markup.status == .ok)
            let html = String(buffer: markup.body)
            #expect(!html.contains("<script"))
            #expect(html.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""))
            let page = try await client.execute(uri: "/ops?q=makepe&etat=tous&page=1", method: .get, headers: [.cookie: session])
            #expect(page.status == .ok)
            #expect(Self.cardNames(String(buffer: page.body)) == ["Hub Makepe"])
        }
    }
}
