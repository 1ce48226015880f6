import DjobeaServer
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Black-box helpers for tests that run `djobea central` and `djobea hub` processes on loopback: JSON calls over a
/// real socket, read-only counts in a node's database file, starting central, enrolling a hub, logging a provider in.
public enum NodeProcess {
    public static let apiKey = "cle-plateforme-acceptation-0123"

    /// A JSON request over a real socket; the answer's body is read as a public response type (`NodeAnswer.decoded`).
    public static func send(_ method: String, _ url: String, json: [String: Any]? = nil, headers: [String: String] = [:]) async throws
        -> NodeAnswer
    {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return NodeAnswer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// Polls `check` every 200 ms until it is true or `timeout` passes; a throw while polling counts as "not yet".
    public static func eventually(_ timeout: TimeInterval = 30, _ check: () async throws -> Bool) async throws -> Bool {
        try await DjobeaTestSupport.eventually(timeout: timeout, every: .milliseconds(200), ignoringErrors: true, check)
    }

    public static func count(_ directory: URL, _ sql: String, _ arguments: [String] = []) throws -> Int {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: readOnly)
        return try queue.read { db in try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0 }
    }

    public static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    /// A `djobea central` on `port`, on its SQLite file in `directory`, or on the PostgreSQL database `postgres`.
    public static func startCentral(_ directory: URL, port: Int, postgres: String? = nil) async throws -> ChildProcess {
        let database = postgres.map { ["--postgres", $0] } ?? []
        let central = try ChildProcess(
            ["central", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1", "--api-key", apiKey] + database)
        #expect(await central.waitForLine(timeout: 180) { $0.contains("à l'écoute") } != nil, "central: \(central.errorText.suffix(400))")
        return central
    }

    /// A `djobea hub` on `port` enrolling at `central` with `token`, once it syncs.
    public static func startHub(_ directory: URL, port: Int, central: String, token: String) async throws -> ChildProcess {
        let hub = try ChildProcess([
            "hub", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1", "--central", central, "--enroll", token,
        ])
        #expect(await hub.waitForLine(timeout: 180) { $0.contains("Synchronisation avec le central") } != nil, "hub: \(hub.errorText.suffix(400))")
        return hub
    }

    public static func enrolToken(_ central: URL, name: String, zones: String, postgres: String? = nil) async throws -> String {
        let database = postgres.map { ["--postgres", $0] } ?? ["--data", central.path]
        let result = try await runDjobea(["central", "enroll-hub", "--name", name, "--zones", zones] + database)
        #expect(result.status == 0, "enroll-hub: \(result.err)")
        return try #require(result.out.split(separator: "\n").first { $0.hasPrefix("djh1_") }.map(String.init))
    }

    /// Logs a provider in at a hub the way a phone does: code from the console notifier's outbox file.
    public static func login(hub: String, directory: URL, phone: String) async throws -> String {
        #expect(try await send("POST", "\(hub)/provider/auth/send-otp", json: ["phone": phone]).status == 202)
        var code: String?
        _ = try await eventually(10) {
            code = try consoleOutboxCode(to: phone, in: directory)
            return code != nil
        }
        let verified = try await send("POST", "\(hub)/provider/auth/verify-otp", json: ["phone": phone, "code": try #require(code)])
        #expect(verified.status == 200)
        return try #require(verified.decoded(AuthTokens.self)?.accessToken)
    }
}

/// A node's answer over a real socket: its status and body.
public struct NodeAnswer: Sendable, CustomStringConvertible {
    public let status: Int
    public let body: Data

    /// The body as a public response type (a Store read model, a server type) under the API's key policy
    /// (`JSONCoding.decoder`); nil if it is not one.
    public func decoded<T: Decodable>(_ type: T.Type) -> T? {
        try? JSONCoding.decoder.decode(type, from: body)
    }

    /// The `error.code` of an error answer.
    public var errorCode: String? { decoded(APIErrorBody.self)?.error.code }

    /// The body as text, for expectation messages.
    public var description: String { String(decoding: body, as: UTF8.self) }
}
