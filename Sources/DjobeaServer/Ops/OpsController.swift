import CompressNIO
import Crypto
import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The ops console: `GET /ops/sync-status` (JSON, API key or ops session), `GET /ops` (HTML, ops session) and the
/// ops login (`/ops/login`, `/ops/logout`). Without ops settings only the JSON is served, to the API key.
struct OpsController: Sendable {
    let database: any ReplicaStorage
    let settings: OpsSettings?
    /// Central's platform API key, also accepted by `/ops/sync-status`.
    let apiKey: String?
    let throttle: OpsLoginThrottle
    /// The open sessions (one table per node process).
    let session: OpsSession?
    /// Whether the node serves HTTPS: the session cookie is then `Secure`.
    let secureCookies: Bool
    /// The sync interval expected of hubs (seconds): a hub unheard of for twice that is shown late.
    let syncInterval: TimeInterval
    /// The node's data directory, where `djobea backup --verify` records the last verified backup.
    let dataDirectory: URL?

    init(
        database: any ReplicaStorage, settings: OpsSettings?, apiKey: String?, throttle: OpsLoginThrottle = OpsLoginThrottle(),
        secureCookies: Bool = false, syncInterval: TimeInterval = OpsHealth.defaultSyncInterval, dataDirectory: URL? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.database = database
        self.settings = settings
        self.apiKey = apiKey
        self.throttle = throttle
        self.session = settings.map { OpsSession(key: $0.sessionKey) }
        self.secureCookies = secureCookies
        self.syncInterval = syncInterval
    }

    /// - Parameters:
    ///   - routes: routes that need the API key or an ops session (documented as authenticated).
    ///   - publicRoutes: the login and logout routes.
    func register(on routes: DocumentedRoutes, publicRoutes: DocumentedRoutes) {
        routes.add(
            .get, "/ops/sync-status",
            "État de la synchronisation : chaque hub (le plus en retard d'abord), ses retards, ses erreurs et les conflits ouverts ; "
                + "tous les hubs, ou ceux que q et etat choisissent",
            parameters: Self.filterParameters.filter { $0.name != "page" }, response: OpsSyncStatus.self,
            errors: ["ops_auth_required", "invalid_parameter"]
        ) { request, _ in
            guard isAuthorized(request) else {
                throw APIError(
                    .unauthorized, code: "ops_auth_required",
                    message: "Accès ops requis : clé d'API (Authorization: Bearer <clé>) ou connexion sur /ops/login.")
            }
            let filter = try OpsFleetFilter.parse(query: request.uri.query)
            return try JSONResponse.make(try await report(filter: filter), for: request)
        }
        guard settings != nil else { return }
        routes.add(
            .get, "/ops",
            "Console ops (page HTML, en français ; au central, hubs filtrés par q et etat, 25 par page) ; redirige vers /ops/login sans session",
            parameters: Self.filterParameters, errors: ["invalid_parameter"]
        ) { request, _ in
            guard let csrf = csrfToken(for: request) else { return Self.redirect(to: "/ops/login") }
            let filter = try OpsFleetFilter.parse(query: request.uri.query)
            return try Self.html(OpsPage.status(try await report(filter: filter), csrfToken: csrf, filter: filter), for: request)
        }
        if database.role == .central { registerActions(on: routes) }
        publicRoutes.add(.get, "/ops/login", "Formulaire de connexion à la console ops (HTML)") { request, _ in
            if hasSession(request) { return Self.redirect(to: "/ops") }
            return try Self.html(OpsPage.login(role: database.role.rawValue), for: request)
        }
        publicRoutes.add(
            .post, "/ops/login", "Connexion à la console ops (formulaire : password) ; pose le cookie de session djobea_ops",
            errors: ["ops_login_refused", "ops_login_throttled", "ops_origin_refused"]
        ) { request, context in
            try Self.requireSameOrigin(request)
            return try await login(request, address: context.remoteIP)
        }
        publicRoutes.add(
            .post, "/ops/logout", "Déconnexion de la console ops (formulaire : csrf_token) ; ferme la session et efface le cookie",
            errors: ["ops_origin_refused", "ops_csrf_invalid"]
        ) { request, _ in
            try Self.requireSameOrigin(request)
            if let value = request.cookies[OpsSession.cookieName]?.value, let session, session.isValid(value) {
                _ = try await checkedForm(request)
                session.revoke(value)
            }
            var response = Self.redirect(to: "/ops/login")
            response.setCookie(cookie(value: "", maxAge: 0))
            return response
        }
    }

    // MARK: - Ops actions (central)

    /// `/ops/actions`: the central ops actions as forms for an ops session (same origin, CSRF token), and their log.
    func registerActions(on routes: DocumentedRoutes) {
        registerCommission(on: routes)
        routes.add(.get, "/ops/actions", "Actions ops du central (page HTML) : annuler, réattribuer, contre-passer, prestataires, zones") {
            request, _ in
            guard let csrf = csrfToken(for: request) else { return Self.redirect(to: "/ops/login") }
            return try Self.html(
                OpsPage.actions(csrfToken: csrf, hubs: try await OpsStore(database).hubNames(), log: try await OpsStore(database).actions()),
                for: request)
        }
        routes.add(
            .post, "/ops/actions/{action}",
            "Exécuter une action ops depuis la console (formulaire avec csrf_token et idempotency_key)",
            parameters: [.init("action", in: "path", required: true, "cancel, reassign, reverse, provider, suspend ou zone")],
            errors: ["ops_auth_required", "ops_csrf_invalid", "ops_origin_refused", "invalid_parameter", "not_found"]
        ) { request, context in
            let form = try await checkedForm(request)
            let action = context.parameters.get("action") ?? ""
            var outcome: OpsPage.ActionOutcome
            var status = HTTPResponse.Status.ok
            do {
                let result = try await perform(action, form)
                outcome = .init(ok: true, message: result.replayed ? "Déjà fait : " + result.summary : result.summary)
            } catch let error as IntakeError {
                status = error.notFound ? .notFound : .badRequest
                outcome = .init(ok: false, message: "Refusé : \(error.messageFR)")
            } catch let refusal as OpsRefusal {
                status = .conflict
                outcome = .init(ok: false, message: "Refusé : \(refusal.messageFR)")
            }
            let csrf = csrfToken(for: request) ?? ""
            return try Self.html(
                OpsPage.actions(
                    csrfToken: csrf, hubs: try await OpsStore(database).hubNames(), log: try await OpsStore(database).actions(), outcome: outcome),
                for: request,
                status: status)
        }
    }

    /// One form's action, as an ops person on the console.
    func perform(_ action: String, _ form: [String: String]) async throws -> OpsActionResult {
        let actor = OpsActor("ops (console)")
        let key = form["idempotency_key"].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        func text(_ name: String) -> String? {
            guard let value = form[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        func list(_ name: String) -> [String]? {
            text(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        func id(_ name: String) throws -> String {
            guard let value = text(name), DjobeaID.isValid(value) else { throw IntakeError(name, "Identifiant invalide.") }
            return value
        }
        switch action {
        case "cancel":
            return try await OpsStore(database).cancelRequest(
                id: try id("request_id"), OpsCancellation(reason: text("reason") ?? "", by: text("by") ?? "ops"), actor: actor, idempotencyKey: key)
        case "reassign":
            let provider = try text("provider_id").map { _ in try id("provider_id") }
            return try await OpsStore(database).reassignRequest(
                id: try id("request_id"), OpsReassignment(providerId: provider, reason: text("reason")), actor: actor, idempotencyKey: key)
        case "reverse":
            var amount: Int?
            if let given = text("amount") {
                guard let value = Int(given.replacingOccurrences(of: " ", with: "")) else {
                    throw IntakeError("amount", "Montant entier en francs CFA attendu.")
                }
                amount = value
            }
            return try await OpsStore(database).reversePayment(
                id: try id("payment_id"), OpsReversal(reason: text("reason") ?? "", amount: amount), actor: actor, idempotencyKey: key)
        case "provider":
            let patch = ProviderPatch(
                name: text("name"), services: list("services"), zones: list("zones"), level: text("level"), reason: text("reason"))
            return try await OpsStore(database).updateProvider(id: try id("provider_id"), patch, actor: actor, idempotencyKey: key)
        case "suspend":
            return try await OpsStore(database).setProviderActive(
                id: try id("provider_id"), active: text("action") == "reinstate", OpsReason(reason: text("reason")), actor: actor,
                idempotencyKey: key)
        case "zone":
            return try await OpsStore(database).moveZone(
                code: text("code") ?? "", ZoneMove(toHub: text("to_hub") ?? "", reason: text("reason")), actor: actor, idempotencyKey: key)
        default:
            throw IntakeError("action", "Action inconnue.", notFound: true)
        }
    }

    // MARK: - Handlers

    /// The sync status; at central, the fleet counts over every hub and only the hubs `filter` selects (every page).
    func report(filter: OpsFleetFilter = OpsFleetFilter()) async throws -> OpsSyncStatus {
        let snapshot = try await database.syncStatus(hubName: settings?.hubName, hubId: settings?.hubId)
        let now = Date()
        var report = OpsHealth.report(snapshot, now: now, syncInterval: syncInterval)
        report.lastVerifiedBackup = dataDirectory.flatMap(BackupVerification.load(from:)).map { OpsBackupStatus($0, now: now) }
        guard database.role == .central else { return report }
        report.fleet = OpsFleet.counts(report.hubs)
        if !filter.isEmpty { report.hubs = report.hubs.filter(filter.matches) }
        return report
    }

    /// The fleet filter's query parameters (`OpsFleetFilter`).
    static let filterParameters: [APIOperation.Parameter] = [
        .init("q", in: "query", required: false, "Texte cherché dans le nom du hub, son identifiant ou ses zones (80 caractères au plus)"),
        .init(
            "etat", in: "query", required: false, enum: ["tous"] + OpsFleet.Category.allCases.map(\.rawValue),
            "Groupe : tous, late (en retard), error (en erreur), never (jamais synchronisé), ok (à jour) ou revoked (révoqué)"),
        .init("page", in: "query", required: false, type: "integer", "Page de la liste des hubs (1 à 10 000), 25 hubs par page"),
    ]

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
        response.setCookie(cookie(value: session.issue(), maxAge: Int(OpsSession.lifetime)))
        return response
    }

    // MARK: - Access

    func hasSession(_ request: Request) -> Bool {
        guard let session, let value = request.cookies[OpsSession.cookieName]?.value else { return false }
        return session.isValid(value)
    }

    /// The CSRF token of the request's open ops session, to render in ops forms with `OpsPage.csrfField`; nil without
    /// an open session.
    func csrfToken(for request: Request) -> String? {
        guard let session, let value = request.cookies[OpsSession.cookieName]?.value else { return nil }
        return session.csrfToken(forCookie: value)
    }

    /// Reads a state-changing ops form `POST` after checking it: same origin (403 `ops_origin_refused`), an open ops
    /// session (401 `ops_auth_required`) and the session's CSRF token in the `csrf_token` field (403
    /// `ops_csrf_invalid`). Call it first in every ops action handler; it returns the form's fields.
    ///
    /// ```swift
    /// publicRoutes.add(.post, "/ops/requests/{id}/cancel", "…") { request, _ in
    ///     let form = try await checkedForm(request)
    ///     let reason = form["reason"] ?? ""
    ///     …
    /// }
    /// ```
    func checkedForm(_ request: Request, maxBytes: Int = 64 * 1024) async throws -> [String: String] {
        try Self.requireSameOrigin(request)
        let cookie = request.cookies[OpsSession.cookieName]?.value
        guard let session, let cookie, session.isValid(cookie) else {
            throw APIError(.unauthorized, code: "ops_auth_required", message: "Session ops absente ou expirée : reconnectez-vous sur /ops/login.")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "Requête trop volumineuse (maximum \(maxBytes / 1024) Ko).")
        }
        let form = Self.formFields(String(buffer: body))
        guard session.isValidCSRF(form[OpsSession.csrfFieldName], cookie: cookie) else {
            throw APIError(
                .forbidden, code: "ops_csrf_invalid",
                message: "Formulaire refusé : jeton de sécurité absent ou invalide. Rechargez la page /ops et recommencez.")
        }
        return form
    }

    /// Refuses (403 `ops_origin_refused`) a `POST` whose `Origin` (or, without it, `Referer`) is another site than the
    /// node's own host. A request with neither header is not from a browser form of another site (browsers send
    /// `Origin` on every cross-site `POST`) and is let through; `Origin: null` is refused.
    static func requireSameOrigin(_ request: Request) throws {
        let origin = request.headers[.origin] ?? request.headers[.referer]
        guard let origin else { return }
        guard let host = request.head.authority, sameHost(origin, host) else {
            throw APIError(
                .forbidden, code: "ops_origin_refused",
                message: "Requête refusée : elle vient d'un autre site que cette console ops. Ouvrez /ops directement sur ce nœud.")
        }
    }

    /// Whether the origin (or referring URL) `url` names `host` (the `Host` of the request, `name[:port]`).
    static func sameHost(_ url: String, _ host: String) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let name = components.host?.lowercased(), !name.isEmpty
        else { return false }
        let defaultPort = scheme == "https" ? 443 : 80
        func normalized(_ name: String, _ port: Int?) -> String { "\(name):\(port ?? defaultPort)" }
        let expected = host.lowercased()
        let hostPort: (String, Int?) = {
            if expected.hasPrefix("["), let end = expected.firstIndex(of: "]") {
                let name = String(expected[expected.index(after: expected.startIndex)..<end])
                let rest = expected[expected.index(after: end)...]
                return (name, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
            }
            let parts = expected.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count == 2 ? Int(parts[1]) : nil)
        }()
        return normalized(name, components.port) == normalized(hostPort.0, hostPort.1)
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

    /// The session cookie: HttpOnly, SameSite=Strict, limited to `/ops`, and `Secure` when the node serves HTTPS.
    func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: OpsSession.cookieName, value: value, maxAge: maxAge, path: "/ops", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    // MARK: - Answers

    /// Every field of an `application/x-www-form-urlencoded` body (the first value of a repeated name).
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let name = decodeFormComponent(parts[0]), fields[name] == nil else { continue }
            fields[name] = decodeFormComponent(parts[1])
        }
        return fields
    }

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
