import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Quotes, black-box: made and sent at a `djobea hub` process, accepted on the client page `djobea central` serves.
@Suite("Quotes with real processes: sent from the hub, accepted on central's client page", .serialized)
struct QuoteProcessTests {
    typealias P = NodeProcess
    typealias Ops = OpsProcessTests

    @Test("a quote created at the hub, sent, accepted on its client page at central, shows as accepted at the hub within 60 s")
    func acceptedAtCentral() async throws {
        let root = try temporaryDirectory("quote-accept")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, hubDir) = (root.appendingPathComponent("central"), root.appendingPathComponent("hub"))
        let (centralPort, hubPort) = (try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await GatewayProcessTests.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        let token = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hub = try await P.startHub(hubDir, port: hubPort, central: centralURL, token: token)
        defer { hub.kill(SIGTERM) }
        let hubURL = "http://127.0.0.1:\(hubPort)"
        let (phone, client) = ("+237690000801", "+237677000801")
        _ = try await Ops.provider(centralURL, name: "Jean Plombier", phone: phone, zones: ["zone-a"])
        let requestId = try await Ops.request(centralURL, client: client)
        #expect(try await P.eventually { try P.count(hubDir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let bearer = ["Authorization": "Bearer \(try await P.login(hub: hubURL, directory: hubDir, phone: phone))"]
        #expect(try await P.send("PUT", "\(hubURL)/provider/requests/\(requestId)/accept", headers: bearer).status == 200)

        let created = try await P.send(
            "POST", "\(hubURL)/provider/requests/\(requestId)/quotes",
            json: ["lines": [["kind": "main_oeuvre", "label": "Remplacement du robinet", "quantity": 1, "unit_price": 15_000]]], headers: bearer)
        #expect(created.status == 201, "\(created)")
        let quote = try #require(created.decoded(QuoteCommandResult.self)?.quote)
        let link = try #require(quote.publicUrl)
        #expect(link.hasPrefix(centralURL + "/c/"), "the client page is central's")
        #expect(try await P.send("POST", "\(hubURL)/provider/quotes/\(quote.id)/send", headers: bearer).status == 200)
        #expect(
            try await P.eventually(60) { GatewayProcessTests.outbox(centralDir, to: client).contains { $0.text.contains(link) } },
            "central's gateway sends the client the link")

        #expect(try await P.eventually(30) { try await P.send("GET", link).status == 200 }, "the page is served once central has the quote")
        var request = URLRequest(url: try #require(URL(string: link + "/accept")))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("name=Awa+Ngono".utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "redirected back to the page, which says accepted")
        let started = Date()
        #expect(
            try await P.eventually(60) {
                try await P.send("GET", "\(hubURL)/provider/quotes/\(quote.id)", headers: bearer).decoded(QuoteView.self)?.status == "accepte"
            }, "accepted at the hub within 60 s")
        let view = try await P.send("GET", "\(hubURL)/provider/quotes/\(quote.id)", headers: bearer).decoded(QuoteView.self)
        #expect(view?.decidedByName == "Awa Ngono")
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(
            try P.count(hubDir, "SELECT count(*) FROM notifications WHERE request_id = ? AND title = 'Devis accepté'", [requestId]) == 1,
            "the provider is told")
    }
}
