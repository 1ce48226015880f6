import CompressNIO
import Crypto
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The ops console: `GET /ops/sync-status` (JSON, API key or ops session), `GET /ops` (HTML, ops session) and the
/// ops login (`/ops/login`, `/ops/logout`). Without ops settings only the JSON is served, to the API key.
struct OpsController: Sendable {
    let database: NodeDatabase
    let settings: OpsSettings?
    /// Central's platform API key, also accepted by `/ops/sync-status`.
    let apiKey: String?
    let throttle: OpsLoginThrottle
    /// The sync interval expected of hubs (seconds): a hub unheard of for twice that is shown late.
    let syncInterval: TimeInterval

    init(
        database: NodeDatabase, settings: OpsSettings?, apiKey: String?, throttle: OpsLoginThrottle = OpsLoginThrottle(),
        syncInterval: TimeInterval = OpsHealth.defaultSyncInterval
    ) {
        self.database = database
        self.settings = settings
        self.apiKey = apiKey
        self.throttle = throttle
        self.syncInterval = syncInterval
    }

    var session: OpsSession? { settings.map { OpsSession(key: $0.sessionKey) } }

    /// - Parameters:
    ///   - routes: routes that need the API key or an ops session (documented as authenticated).
    ///   - publicRoutes: the login and logout routes.
    func register(on routes: DocumentedRoutes, publicRoutes: DocumentedRoutes) {
        routes.add(
            .get, "/ops/sync-status", "État de la synchronisation : chaque hub, ses retards, ses erreurs et les conflits ouverts",
            response: OpsSyncStatus.self, errors: ["ops_auth_required"]
        ) { request, _ in
            guard isAuthorized(request) else {
                throw APIError(
                    .unauthorized, code: "ops_auth_required",
                    message: "Accès ops requis : clé d'API (Authorization: Bearer <clé>) ou connexion sur /ops/login.")
            }
            return try JSONResponse.make(try await report(), for: request)
        }
        guard settings != nil else { return }
        routes.add(.get, "/ops", "Console ops (page HTML, en français) ; redirige vers /ops/login sans session") { request, _ in
            guard hasSession(request) else { return Self.redirect(to: "/ops/login") }
            return try Self.html(OpsPage.status(try await report()), for: request)
        }
        publicRoutes.add(.get, "/ops/login", "Formulaire de connexion à la console ops (HTML)") { request, _ in
            if hasSession(request) { return Self.redirect(to: "/ops") }
            return try Self.html(OpsPage.login(role: database.role.rawValue), for: request)
        }
        publicRoutes.add(
            .post, "/ops/login", "Connexion à la console ops (formulaire : password) ; pose le cookie de session djobea_ops",
            errors: ["ops_login_refused", "ops_login_throttled"]
        ) { request, context in
            try await login(request, address: context.remoteIP)
        }
        publicRoutes.add(.post, "/ops/logout", "Déconnexion de la console ops (efface le cookie de session)") { _, _ in
            var response = Self.redirect(to: "/ops/login")
            response.setCookie(Self.cookie(value: "", maxAge: 0))
            return response
        }
    }

    // MARK: - Handlers

    func report() async throws -> OpsSyncStatus {
        let snapshot = try await database.syncStatus(hubName: settings?.hubName, hubId: settings?.hubId)
        return OpsHealth.report(snapshot, now: Date(), syncInterval: syncInterval)
    }

    func login(_ request: Request, address: String) async throws -> Response {
        let role = database.role.rawValue
        if let wait = throttle.reserve(address) {
            var response = try Self.html(
                OpsPage.login(role: role, error: "Trop de mots de passe erronés : réessayez dans \(wait) s."), for: request,
                status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let body = try await request.body.collect(upTo: 8 * 1024)
        let given = Self.formValue("password", in: String(buffer: body)) ?? ""
        guard let settings, let session, Self.sameSecret(given, settings.password) else {
            // `reserve` already counted this attempt as a failure.
            return try Self.html(OpsPage.login(role: role, error: "Mot de passe incorrect."), for: request, status: .unauthorized)
        }
        throttle.forgive(address)
        var response = Self.redirect(to: "/ops")
        response.setCookie(Self.cookie(value: session.issue(), maxAge: Int(OpsSession.lifetime)))
        return response
    }

    // MARK: - Access

    func hasSession(_ request: Request) -> Bool {
        guard let session, let value = request.cookies[OpsSession.cookieName]?.value else { return false }
        return session.isValid(value)
    }

    func isAuthorized(_ request: Request) -> Bool {
        if let apiKey, APIKeyMiddleware.matches(request, key: apiKey) { return true }
        return hasSession(request)
    }

    /// Compares two secrets in constant time (by their digests, so lengths do not leak either).
    static func sameSecret(_ given: String, _ expected: String) -> Bool {
        guard !expected.isEmpty else { return false }
        let left = Data(SHA256.hash(data: Data(given.utf8)))
        let right = Data(SHA256.hash(data: Data(expected.utf8)))
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: OpsSession.cookieName, value: value, maxAge: maxAge, path: "/ops", httpOnly: true, sameSite: .strict)
    }

    // MARK: - Answers

    /// Reads one field of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, decodeFormComponent(parts[0]) == name else { continue }
            return decodeFormComponent(parts[1])
        }
        return nil
    }

    static func decodeFormComponent(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// An HTML answer that may not be cached, framed or sniffed; gzip'd when worth it and accepted.
    static func html(_ text: String, for request: Request, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .vary: "Accept-Encoding", .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ]
        if let referrer = HTTPField.Name("Referrer-Policy") { headers[referrer] = "no-referrer" }
        var buffer = ByteBuffer(string: text)
        if buffer.readableBytes > JSONResponse.compressionThreshold, JSONResponse.acceptsGzip(request.headers[.acceptEncoding]) {
            buffer = try buffer.compress(with: .gzip())
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}
