import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Commission rate versions and provider levels at central, over real HTTP: the API (API key), the ops page (session,
/// CSRF) and what a new version or a level does to the commissions derived after it.
@Suite("Commission rates and provider levels at central", .serialized)
struct CommissionOpsTests: ReadsJSONResponses {
    static let zone = "makepe"
    static let service = "plomberie"

    /// Central with a hub for Makepe and one plumber there; the caller removes `node.directory.url`.
    static func central() async throws -> (node: Node, providerId: String) {
        let node = try await OpsTests.centralNode()
        _ = try await node.database.enrolHub(name: "Hub Makepe", zoneCodes: [zone])
        let providerId = try await IntakeStore(node.database).registerProvider(
            ProviderRegistration(name: "Jean Kouam", phone: "+237690000011", services: [service], zones: [zone]))
        return (node, providerId)
    }

    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: [String: Any]? = nil, key: String? = nil,
        apiKey: String? = OpsTests.apiKey
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let apiKey { headers[.authorization] = "Bearer \(apiKey)" }
        if let key, let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: data))
    }

    /// The problems of `uri`'s answer against the response schema `/openapi.json` documents for it.
    static func schemaProblems(_ client: some TestClientProtocol, _ uri: String) async throws -> [String] {
        let document = try await client.execute(uri: "/openapi.json", method: .get)
        let paths = try #require(try JSONSerialization.jsonObject(with: Data(buffer: document.body)) as? [String: Any])["paths"] as? [String: Any]
        let operation = (paths?[uri] as? [String: Any])?["get"] as? [String: Any]
        let success = (operation?["responses"] as? [String: Any])?["200"] as? [String: Any]
        let schema = ((success?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
        let documented = try #require(schema, "\(uri) documents its response schema")
        let response = try await call(client, .get, uri)
        #expect(response.status == .ok)
        return SchemaCheck.problems(try JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body)), documented, at: "$")
    }

    static func rateCount(_ node: Node) async throws -> Int {
        try await node.database.replicaRead { db in
            Int(try db.query("SELECT count(*) FROM commission_rates", []).first?[0].integerValue ?? 0)
        }
    }

    @Test("a version added for a level shows in the grid as to come; the same key replays it; the audit trail has its line")
    func addVersion() async throws {
        let (node, _) = try await Self.central()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        try await node.application().test(.live) { client in
            #expect(try await Self.call(client, .get, "/central/commission-rates", apiKey: nil).status == .unauthorized)
            let before = try decode(CommissionRateGrid.self, try await Self.call(client, .get, "/central/commission-rates"))
            #expect(before.levels.map(\.level) == ["bronze", "argent", "or", "platine"])
            #expect(before.levels.allSatisfy { $0.current?.percent == "10 %" && $0.current?.level == nil && $0.future.isEmpty })

            let from = UTCTimestamp.format(Date().addingTimeInterval(86_400))
            let body: [String: Any] = ["level": "or", "basis_points": 850, "effective_from": from, "reason": "Baisse pour les meilleurs"]
            #expect(try await Self.call(client, .post, "/central/commission-rates", body, key: "taux-1", apiKey: nil).status == .unauthorized)
            let first = try await Self.call(client, .post, "/central/commission-rates", body, key: "taux-1")
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            let added = try decode(OpsActionResult.self, first)
            #expect(added.kind == "add_commission_rate" && added.level == "or" && !added.replayed && added.rateId != nil)
            #expect(added.summary.hasPrefix("Nouveau taux de commission Or : 8,5 % à partir du "))

            let replay = try decode(OpsActionResult.self, try await Self.call(client, .post, "/central/commission-rates", body, key: "taux-1"))
            #expect(replay.replayed && replay.actionId == added.actionId && replay.rateId == added.rateId)
            var other = body
            other["basis_points"] = 800
            let reused = try await Self.call(client, .post, "/central/commission-rates", other, key: "taux-1")
            #expect(reused.status == .unprocessableContent && Self.errorCode(reused) == "idempotency_key_reused")
            #expect(try await Self.rateCount(node) == 2, "the general seed and one version")

            let grid = try decode(CommissionRateGrid.self, try await Self.call(client, .get, "/central/commission-rates"))
            let or = try #require(grid.levels.first { $0.level == "or" })
            #expect(or.current?.percent == "10 %" && or.future.map(\.id) == [added.rateId] && or.future.first?.state == "a_venir")
            #expect(or.future.first?.effectiveFrom == from && or.future.first?.percent == "8,5 %")
            #expect(grid.rule.contains("jamais modifiée"))

            let audit = try decode(OpsAuditTrail.self, try await Self.call(client, .get, "/central/commission-audit"))
            #expect(audit.entries.count == 1)
            for uri in ["/central/commission-rates", "/central/commission-audit", "/central/provider-levels"] {
                let problems = try await Self.schemaProblems(client, uri)
                #expect(problems.isEmpty, "\(uri): \(problems.prefix(5))")
            }
            #expect(
                audit.entries.first.map { ($0.kind, $0.actor, $0.target, $0.reason) } ?? ("", "", "", nil)
                    == ("add_commission_rate", "api", "or", "Baisse pour les meilleurs"))
            // A version is never edited: no route changes or removes one.
            let id = try #require(added.rateId)
            for method in [HTTPRequest.Method.put, .patch, .delete] {
                #expect(try await Self.call(client, method, "/central/commission-rates/\(id)", ["basis_points": 1]).status == .notFound)
            }
        }
    }

    @Test("bad input is refused with a stable code and a French message, and a backdated version never lands")
    func validation() async throws {
        let (node, _) = try await Self.central()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        try await node.application().test(.live) { client in
            let later = UTCTimestamp.format(Date().addingTimeInterval(2 * 86_400))
            let cases: [([String: Any], String)] = [
                (["level": "diamant", "basis_points": 900, "effective_from": later, "reason": "x"], "level"),
                (["level": "or", "basis_points": 10_001, "effective_from": later, "reason": "x"], "basis_points"),
                (["level": "or", "basis_points": -5, "effective_from": later, "reason": "x"], "basis_points"),
                (["level": "or", "basis_points": 900, "effective_from": "demain", "reason": "x"], "effective_from"),
                (["level": "or", "basis_points": 900, "effective_from": later, "reason": "   "], "reason"),
            ]
            for (body, field) in cases {
                let refused = try await Self.call(client, .post, "/central/commission-rates", body)
                #expect(refused.status == .badRequest && Self.errorCode(refused) == "invalid_parameter", "\(body)")
                #expect(Self.errorMessage(refused)?.hasPrefix(field) == true, "\(String(buffer: refused.body))")
            }
            let missing = try await Self.call(client, .post, "/central/commission-rates", ["level": "or", "basis_points": 900])
            #expect(missing.status == .badRequest, "a reason is required")

            let past = try await Self.call(
                client, .post, "/central/commission-rates",
                ["level": "argent", "basis_points": 900, "effective_from": "2026-01-01T00:00:00.000Z", "reason": "Oubli"])
            #expect(past.status == .conflict && Self.errorCode(past) == "commission_rate_in_past")
            #expect(Self.errorMessage(past)?.hasPrefix("Une version de taux ne peut prendre effet dans le passé") == true)

            let first = try await Self.call(
                client, .post, "/central/commission-rates", ["level": "argent", "basis_points": 900, "effective_from": later, "reason": "Nouveau"])
            #expect(first.status == .ok)
            let earlier = UTCTimestamp.format(Date().addingTimeInterval(86_400))
            for date in [earlier, later] {
                let backdated = try await Self.call(
                    client, .post, "/central/commission-rates",
                    ["level": "argent", "basis_points": 950, "effective_from": date, "reason": "Avant la dernière"])
                #expect(backdated.status == .conflict && Self.errorCode(backdated) == "commission_rate_backdated")
                #expect(Self.errorMessage(backdated) == CommissionRateRefusal.backdated(latest: try #require(UTCTimestamp.parse(later))).messageFR)
            }
            // Another level is not held back by argent's version; "now" (no date) is allowed.
            let now = try await Self.call(client, .post, "/central/commission-rates", ["level": "bronze", "basis_points": 1_100, "reason": "Hausse"])
            #expect(now.status == .ok, "\(String(buffer: now.body))")
            #expect(try await Self.rateCount(node) == 3)
            #expect(try await OpsStore(node.database).auditTrail().map(\.kind) == ["add_commission_rate", "add_commission_rate"])
        }
    }

    @Test("a new version applies to missions completed from its effective time only; those completed before keep the old rate")
    func newVersionOnlyForLaterCompletions() async throws {
        let (node, providerId) = try await Self.central()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        let effective = Date().addingTimeInterval(3_600)
        let rateId = try await node.application().test(.live) { client -> String in
            let added = try await Self.call(
                client, .post, "/central/commission-rates",
                ["level": "bronze", "basis_points": 2_500, "effective_from": UTCTimestamp.format(effective), "reason": "Nouvelle grille"])
            #expect(added.status == .ok)
            return try #require(try decode(OpsActionResult.self, added).rateId)
        }
        let storage = node.database
        let before = try await CommissionFixtures.completedMission(
            storage, providerId: providerId, zone: Self.zone, service: Self.service, clientPhone: "+237677000021", total: 20_000,
            completedAt: effective.addingTimeInterval(-60))
        let after = try await CommissionFixtures.completedMission(
            storage, providerId: providerId, zone: Self.zone, service: Self.service, clientPhone: "+237677000022", total: 20_000,
            completedAt: effective.addingTimeInterval(60))
        let general = DjobeaID.derived(namespace: "commission_rate", name: "general-seed")
        let old = try #require(try await CommissionFixtures.commission(storage, requestId: before))
        #expect(old.amount == 2_000 && old.rateId == general, "completed a minute before: 10 %")
        let new = try #require(try await CommissionFixtures.commission(storage, requestId: after))
        #expect(new.amount == 5_000 && new.rateId == rateId, "completed a minute after: 25 %")
    }

    @Test("recomputing levels follows the rule, logs one line per change and reaches the change log; a level set by hand holds until handed back")
    func levelRecomputation() async throws {
        let (node, providerId) = try await Self.central()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        let storage = node.database
        let idle = try await IntakeStore(storage).registerProvider(
            ProviderRegistration(name: "Paul Ebode", phone: "+237690000012", services: [Self.service], zones: [Self.zone]))
        // 20 missions over the last months, 5 of them rated 4 or 5: argent (20 missions, 5 ratings, 4,4 ★).
        let now = Date()
        for index in 0..<20 {
            try await CommissionFixtures.completedMission(
                storage, providerId: providerId, zone: Self.zone, service: Self.service, clientPhone: "+2376770001\(String(format: "%02d", index))",
                total: 10_000, completedAt: now.addingTimeInterval(-Double(200 - index * 9) * 86_400), stars: index < 5 ? 4 + index % 2 : nil)
        }
        // One more, 13 months ago: outside the window.
        try await CommissionFixtures.completedMission(
            storage, providerId: idle, zone: Self.zone, service: Self.service, clientPhone: "+237677000199", total: 10_000,
            completedAt: now.addingTimeInterval(-400 * 86_400), stars: 5)
        try await node.application().test(.live) { client in
            let report = try decode(ProviderLevelsReport.self, try await Self.call(client, .get, "/central/provider-levels"))
            #expect(report.rule.contains("Argent : au moins 20 missions terminées") && report.windowDays == 365)
            let jean = try #require(report.providers.first { $0.providerId == providerId })
            #expect(jean.level == "bronze" && jean.computedLevel == "argent" && jean.completedMissions == 20 && jean.ratingCount == 5)
            #expect(jean.averageRating == 4.4 && jean.activity == "20 missions terminées, note moyenne 4,4 ★ sur 5 avis")
            #expect(report.providers.first { $0.providerId == idle }?.completedMissions == 0)

            #expect(try await Self.schemaProblems(client, "/central/provider-levels").isEmpty, "with an average rating")
            #expect(try await Self.call(client, .post, "/central/provider-levels/recompute", [:], apiKey: nil).status == .unauthorized)
            let seqBefore = try await storage.replicaRead { db in
                try db.query("SELECT max(local_seq) FROM change_log", []).first?[0].integerValue ?? 0
            }
            let recomputed = try await Self.call(client, .post, "/central/provider-levels/recompute", ["reason": "Revue mensuelle"], key: "niveaux-1")
            #expect(recomputed.status == .ok, "\(String(buffer: recomputed.body))")
            let result = try decode(OpsActionResult.self, recomputed)
            #expect(result.changed == 1 && result.summary == "Niveaux recalculés : 1 changement(s) sur 2 prestataire(s).")
            #expect(try await CommissionFixtures.level(storage, providerId: providerId) == "argent")
            let logged = try await storage.replicaRead { db in
                try db.query(
                    "SELECT count(*) FROM change_log WHERE table_name = 'providers' AND row_key = ? AND local_seq > ?",
                    [.text(providerId), .integer(seqBefore)]
                ).first?[0].integerValue
            }
            #expect(logged == 1, "the level travels to the hubs like any central write")
            let replay = try decode(
                OpsActionResult.self,
                try await Self.call(client, .post, "/central/provider-levels/recompute", ["reason": "Revue mensuelle"], key: "niveaux-1"))
            #expect(replay.replayed && replay.actionId == result.actionId)
            let audit = try await OpsStore(storage).auditTrail()
            #expect(audit.map(\.kind).sorted() == ["recompute_levels", "set_provider_level"])
            let change = try #require(audit.first { $0.kind == "set_provider_level" })
            #expect(change.target == providerId && change.summary.hasPrefix("Niveau de Jean Kouam : Bronze → Argent, selon la règle (20 missions"))

            // By hand: or, kept by the next recomputation; `auto` hands it back to the rule.
            let path = "/central/providers/\(providerId)/level"
            let noReason = try await Self.call(client, .put, path, ["level": "or", "reason": ""])
            #expect(noReason.status == .badRequest)
            let unknown = try await Self.call(client, .put, "/central/providers/\(DjobeaID.v7())/level", ["level": "or", "reason": "Test"])
            #expect(unknown.status == .notFound)
            let manual = try await Self.call(client, .put, path, ["level": "or", "reason": "Partenaire historique"])
            #expect(manual.status == .ok)
            #expect(try decode(OpsActionResult.self, manual).level == "or")
            let kept = try decode(OpsActionResult.self, try await Self.call(client, .post, "/central/provider-levels/recompute", [:]))
            #expect(kept.changed == 0 && kept.summary.contains("1 niveau(x) fixé(s) à la main laissé(s) tel(s) quel(s)"))
            #expect(try await CommissionFixtures.level(storage, providerId: providerId) == "or")
            let levels = try decode(ProviderLevelsReport.self, try await Self.call(client, .get, "/central/provider-levels"))
            #expect(levels.providers.first { $0.providerId == providerId }?.manualOverride == true)
            let back = try decode(OpsActionResult.self, try await Self.call(client, .put, path, ["level": "auto", "reason": "Fin de l'exception"]))
            #expect(back.kind == "set_provider_level" && back.level == "argent")
            #expect(try await CommissionFixtures.level(storage, providerId: providerId) == "argent")
        }
    }

    @Test("the ops page shows the grid, the rule and each provider's level; its forms add a version once, behind the CSRF token")
    func opsPage() async throws {
        let (node, _) = try await Self.central()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        try await node.application().test(.live) { client in
            #expect(try await client.execute(uri: "/ops/commission", method: .get).status == .seeOther, "no session: to the login page")
            let (_, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let session = try #require(cookie)
            let page = try await client.execute(uri: "/ops/commission", method: .get, headers: [.cookie: session])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            for text in [
                "Grille des taux de commission", "Ajouter une version de taux", "Jean Kouam", "Niveaux des prestataires", "Bronze sinon",
                "<label for=", "lang=\"fr\"", "Journal des taux et des niveaux",
            ] {
                #expect(html.contains(text), "\(text)")
            }
            let token = try #require(HTTPSecurityTests.csrfToken(in: html))
            let headers: HTTPFields = [.cookie: session, .contentType: "application/x-www-form-urlencoded"]
            var fields = [
                "level": "platine", "basis_points": "700", "effective_from": "2099-01-01T08:00", "reason": "Grille 2099", "idempotency_key": "page-1",
                "csrf_token": "faux",
            ]
            let forged = try await client.execute(
                uri: "/ops/commission/rate", method: .post, headers: headers, body: OpsActionsPageTests.form(fields))
            #expect(forged.status == .forbidden)
            fields["csrf_token"] = token
            let done = try await client.execute(uri: "/ops/commission/rate", method: .post, headers: headers, body: OpsActionsPageTests.form(fields))
            #expect(done.status == .ok)
            let answer = String(buffer: done.body)
            #expect(answer.contains("Nouveau taux de commission Platine : 7 % à partir du 01/01/2099 07:00 UTC."), "Douala time is UTC+1")
            #expect(answer.contains("Nouvelle version de taux de commission"), "the audit trail on the page")
            let twice = try await client.execute(uri: "/ops/commission/rate", method: .post, headers: headers, body: OpsActionsPageTests.form(fields))
            #expect(String(buffer: twice.body).contains("Déjà fait"))
            #expect(try await Self.rateCount(node) == 2)
            fields["idempotency_key"] = "page-2"
            fields["effective_from"] = "2098-01-01T08:00"
            let backdated = try await client.execute(
                uri: "/ops/commission/rate", method: .post, headers: headers, body: OpsActionsPageTests.form(fields))
            #expect(backdated.status == .conflict && String(buffer: backdated.body).contains("Refusé : Une version de ce niveau prend déjà effet"))
            let recompute = try await client.execute(
                uri: "/ops/commission/recompute", method: .post, headers: headers,
                body: OpsActionsPageTests.form(["csrf_token": token, "idempotency_key": "page-3"]))
            #expect(recompute.status == .ok && String(buffer: recompute.body).contains("Niveaux recalculés : 0 changement(s) sur 1 prestataire(s)."))
        }
    }
}
