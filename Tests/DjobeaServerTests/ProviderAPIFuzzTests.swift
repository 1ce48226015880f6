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

/// Malformed input of every kind on every endpoint: the answer is always a 4xx with the JSON error shape, never
/// a 5xx, and no synced row is written.
@Suite("Provider API under malformed input", .serialized)
struct ProviderAPIFuzzTests {
    /// Every route with a placeholder for ids; `{id}` is replaced by a real request id of the caller.
    static let endpoints: [(HTTPRequest.Method, String)] = [
        (.post, "/provider/auth/send-otp"), (.post, "/provider/auth/verify-otp"), (.post, "/provider/auth/refresh-token"),
        (.post, "/provider/auth/login"), (.post, "/provider/auth/password-reset/request"), (.post, "/provider/auth/password-reset/confirm"),
        (.post, "/provider/auth/password"), (.post, "/provider/auth/totp/confirm"), (.post, "/provider/auth/totp/disable"),
        (.get, "/provider/requests"), (.get, "/provider/requests/{id}"), (.put, "/provider/requests/{id}/accept"),
        (.put, "/provider/requests/{id}/decline"), (.put, "/provider/requests/{id}/update-status"), (.post, "/provider/requests/{id}/message"),
        (.post, "/provider/requests/{id}/ask-details"), (.post, "/provider/requests/{id}/postpone"), (.post, "/provider/requests/{id}/calls"),
        (.put, "/provider/requests/{id}/calls/{id}"), (.get, "/provider/dashboard/chart-data/{junk}"),
        (.post, "/provider/dashboard/notifications/seen"), (.put, "/provider/profile"), (.put, "/provider/settings"),
        (.post, "/provider/availability"), (.get, "/provider/absences"), (.post, "/provider/absences"), (.delete, "/provider/absences/{junk}"),
        (.get, "/provider/finance/earnings/{junk}"), (.get, "/provider/finance/invoices"),
        (.get, "/provider/finance/invoices/{junk}/pdf"), (.get, "/provider/finance/export/{junk}"), (.get, "/provider/finance/export/csv"),
        (.get, "/provider/finance/earnings/custom"),
    ]

    @Test("1,200 malformed bodies, query strings and headers: never a 5xx, and the synced data is unchanged")
    func malformedInputNeverFails() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let phone = try #require(harness.providers.first?.phone)
        try await harness.application().test(.router) { client in
            var rng = SeededRandom(seed: 20_261_125)
            let token = try await harness.login(client, phone: phone)
            let list = try await client.execute(uri: "/provider/requests?page_size=5", method: .get, headers: harness.bearer(token))
            let requestId = try #require(try decode(ProviderRequestPage.self, list).items.first?.id)
            let before = try harness.changeCount()
            var statuses: [Int: Int] = [:]
            var accepted: [String] = []
            for index in 0..<1_200 {
                let (method, template) = Self.endpoints[index % Self.endpoints.count]
                // Accepting takes no input but the id: only junk ids make it malformed.
                let realId = template.hasSuffix("/accept") ? false : rng.chance(0.8)
                var path = template.replacingOccurrences(of: "{id}", with: realId ? requestId : rng.junkPathSegment())
                path = path.replacingOccurrences(of: "{junk}", with: rng.junkPathSegment())
                let uri = path + (rng.chance(0.5) ? "?" + rng.junkQuery() : "")
                var headers: HTTPFields = [:]
                if rng.chance(0.9) { headers[.authorization] = rng.chance(0.9) ? "Bearer \(token)" : rng.junkAuthorization(token) }
                headers[.contentType] =
                    rng.chance(0.85) ? "application/json" : rng.pick(["text/plain", "application/xml", "multipart/form-data", ""])
                if rng.chance(0.2) { headers[.ifNoneMatch] = rng.junkString(maxLength: 40) }
                if rng.chance(0.2) { headers[.acceptEncoding] = rng.pick(["gzip;q=abc", "*", "br, gzip;q=0", ";;;"]) }
                let body = method == .get || method == .delete ? (rng.chance(0.2) ? rng.junkBody() : nil) : rng.junkBody()
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                statuses[Int(response.status.code), default: 0] += 1
                if response.status.code < 300 && method != .get { accepted.append("\(method) \(template)") }
                #expect(response.status.code < 500, "\(method) \(uri) answered \(response.status)")
                if response.status.code >= 400 {
                    let error = try? JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: response.body))
                    #expect(error != nil && error?.error.message.isEmpty == false, "\(method) \(uri): the error has a code and a French message")
                }
            }
            #expect(try harness.changeCount() == before, "malformed input wrote nothing: \(statuses)")
            // GETs with junk query keys are still valid reads; a few junk bodies are harmless no-ops (`{"bio": null}`).
            #expect(accepted.count <= 30, "writes answered 2xx to junk: \(Dictionary(grouping: accepted) { $0 }.mapValues(\.count))")
        }
    }

    @Test("the 6th wrong code is refused even when right, and the 4th send within 15 minutes gets 429 with Retry-After")
    func otpLimitsOverHTTP() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let phone = try #require(harness.providers.first?.phone)
        try await harness.application().test(.router) { client in
            let sent = try await client.execute(
                uri: "/provider/auth/send-otp", method: .post, headers: harness.json, body: harness.body(["phone": phone]))
            #expect(sent.status == .accepted)
            let code = try #require(try await harness.lastCode(for: phone))
            let wrong = code == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                let attempt = try await client.execute(
                    uri: "/provider/auth/verify-otp", method: .post, headers: harness.json, body: harness.body(["phone": phone, "code": wrong]))
                #expect(attempt.status == .unauthorized)
            }
            let sixth = try await client.execute(
                uri: "/provider/auth/verify-otp", method: .post, headers: harness.json, body: harness.body(["phone": phone, "code": code]))
            #expect(sixth.status == .unauthorized, "the right code after 5 wrong ones is refused")
            for _ in 0..<2 {
                let again = try await client.execute(
                    uri: "/provider/auth/send-otp", method: .post, headers: harness.json, body: harness.body(["phone": phone]))
                #expect(again.status == .accepted)
            }
            let fourth = try await client.execute(
                uri: "/provider/auth/send-otp", method: .post, headers: harness.json, body: harness.body(["phone": phone]))
            #expect(fourth.status == .tooManyRequests)
            #expect(Int(fourth.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }
}

/// The shared seeded generator as a source of malformed input.
extension SeededRandom {
    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ probability: Double) -> Bool { Double(next() % 10_000) / 10_000 < probability }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0..<values.count)] }

    mutating func junkString(maxLength: Int) -> String {
        let alphabet = Array("aé€💥\u{0}\"\\/<>{}[],:;%&?=+ -_.0123456789ZzÀ\n\t'")
        return String((0..<int(0..<(maxLength + 1))).map { _ in pick(alphabet) })
    }

    mutating func junkPathSegment() -> String {
        pick(["..", "%2e%2e", "not-an-id", "0", "01890a5d-ac96-774b-bcce-b302099a8057", String(repeating: "a", count: 300), "%ZZ", "7d%00"])
    }

    mutating func junkQuery() -> String {
        let keys = ["status", "urgency", "service", "zone", "from", "to", "sort", "page", "page_size", "q", "history_page", "x"]
        let values = ["-1", "0", "abc", "999999999999999999999", "2026-13-45", "nouvelle,,zzz", "%ZZ", "", String(repeating: "9", count: 500), "🙂"]
        return (0..<int(1..<4)).map { _ in "\(pick(keys))=\(pick(values))" }.joined(separator: "&")
    }

    mutating func junkAuthorization(_ token: String) -> String {
        pick(["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer \(token.dropLast(3))xyz", "Bearer a.b.c", "bearer  \(String(token.reversed()))"])
    }

    /// A body that can never be a valid command: garbage, wrong shapes, wrong types, unknown enums or oversize.
    mutating func junkBody() -> ByteBuffer {
        let fieldNames = [
            "phone", "code", "refresh_token", "email", "password", "reason", "stage", "template_code", "body", "start", "end", "direction",
            "started_at", "duration_seconds", "away", "until", "bio", "working_hours", "offer_ids", "note", "new_password", "question",
        ]
        let wrongValues: [Any] = [
            NSNull(), -1, 1e308, true, [1, 2], ["nested": ["deeper": []]], String(repeating: "x", count: 5_000),
        ]
        switch int(0..<6) {
        case 0: return ByteBuffer(bytes: (0..<int(0..<200)).map { _ in UInt8(truncatingIfNeeded: next()) })
        case 1: return ByteBuffer(string: pick(["[]", "null", "42", "\"texte\"", "{", "{\"a\":}", "{}{}", "\u{FEFF}{}"]))
        case 2: return ByteBuffer(bytes: Array(repeating: UInt8(ascii: " "), count: 70_000) + Array("{}".utf8))
        default:
            var object: [String: Any] = [:]
            for _ in 0..<int(1..<5) { object[pick(fieldNames)] = pick(wrongValues) }
            return ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8))
        }
    }
}
