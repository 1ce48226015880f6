import AsyncHTTPClient
import DjobeaDomain
import Foundation

/// MTN MoMo's Collection API (`/collection/token/`, `/collection/v1_0/requesttopay`).
///
/// Settings (environment): `MTN_MOMO_BASE_URL` (default `https://proxy.momoapi.mtn.com`), `MTN_MOMO_SUBSCRIPTION_KEY`
/// (`Ocp-Apim-Subscription-Key`), `MTN_MOMO_API_USER` and `MTN_MOMO_API_KEY` (the token's Basic credentials),
/// `MTN_MOMO_TARGET_ENVIRONMENT` (`mtncameroon` in production, `sandbox` to test), `MTN_MOMO_CALLBACK_URL` (optional,
/// `X-Callback-Url`; callbacks only wake the gateway, which then asks for the status), `MTN_MOMO_CURRENCY` (default XAF;
/// MTN's sandbox wants EUR).
public struct MTNMoMoCollector: MobileMoneyCollector {
    public struct Settings: Sendable, Equatable {
        public var baseURL: URL
        public var subscriptionKey: String
        public var apiUser: String
        public var apiKey: String
        public var targetEnvironment: String
        public var callbackURL: URL?
        public var currency: String

        public init(
            baseURL: URL, subscriptionKey: String, apiUser: String, apiKey: String, targetEnvironment: String = "mtncameroon",
            callbackURL: URL? = nil, currency: String = "XAF"
        ) {
            self.baseURL = baseURL
            self.subscriptionKey = subscriptionKey
            self.apiUser = apiUser
            self.apiKey = apiKey
            self.targetEnvironment = targetEnvironment
            self.callbackURL = callbackURL
            self.currency = currency
        }
    }

    public let settings: Settings
    public var method: CollectionMethod { .mtnMomo }
    private let client: HTTPClient
    private let tokens: BearerTokenCache
    static let service = "MTN MoMo"

    public init(settings: Settings, httpClient: HTTPClient = .shared) {
        self.settings = settings
        self.client = httpClient
        let url = GatewayHTTP.url(settings.baseURL, "/collection/token/")
        let headers = [
            ("Authorization", OperatorHTTP.basic(settings.apiUser, settings.apiKey)),
            ("Ocp-Apim-Subscription-Key", settings.subscriptionKey),
        ]
        tokens = BearerTokenCache { () async throws -> (String, TimeInterval) in
            let reply = try await OperatorHTTP.call(.POST, url, headers: headers, body: [], client: httpClient, service: Self.service)
            guard reply.status == 200 else { throw OperatorHTTP.failure(reply, service: Self.service, code: "token_refused") }
            guard let token = reply.json?["access_token"] as? String, !token.isEmpty else {
                throw MobileMoneyError.transient(reason: "MTN MoMo : jeton illisible (\(reply.text))", retryAfter: nil)
            }
            return (token, TimeInterval(OperatorHTTP.amount(reply.json?["expires_in"]) ?? 3_600))
        }
    }

    public static func fromEnvironment(_ env: [String: String], httpClient: HTTPClient = .shared) throws -> MTNMoMoCollector {
        let driver = "l'encaissement MTN MoMo"
        guard let base = try GatewayEnvironment.url(env, "MTN_MOMO_BASE_URL", driver) ?? URL(string: "https://proxy.momoapi.mtn.com") else {
            throw GatewaySettingError(line: "Configuration invalide : MTN_MOMO_BASE_URL.")
        }
        return MTNMoMoCollector(
            settings: Settings(
                baseURL: base,
                subscriptionKey: try GatewayEnvironment.required(env, "MTN_MOMO_SUBSCRIPTION_KEY", driver, "clé d'abonnement Collection"),
                apiUser: try GatewayEnvironment.required(env, "MTN_MOMO_API_USER", driver, "identifiant API (UUID)"),
                apiKey: try GatewayEnvironment.required(env, "MTN_MOMO_API_KEY", driver, "clé API"),
                targetEnvironment: GatewayEnvironment.nonEmpty(env["MTN_MOMO_TARGET_ENVIRONMENT"]) ?? "mtncameroon",
                callbackURL: try GatewayEnvironment.url(env, "MTN_MOMO_CALLBACK_URL", driver),
                currency: GatewayEnvironment.nonEmpty(env["MTN_MOMO_CURRENCY"]) ?? "XAF"),
            httpClient: httpClient)
    }

    public func prepare(_ order: MobileMoneyOrder) async throws -> String { order.reference }

    public func request(_ order: MobileMoneyOrder, handle: String) async throws {
        let body: [String: Any] = [
            "amount": String(order.amount), "currency": settings.currency, "externalId": order.reference,
            "payer": ["partyIdType": "MSISDN", "partyId": order.msisdn], "payerMessage": String(order.description.prefix(160)),
            "payeeNote": String(order.description.prefix(160)),
        ]
        let bytes = Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
        let reply = try await tokens.authorized { token in
            var headers = try self.headers(token)
            headers += [("X-Reference-Id", handle), ("Content-Type", "application/json")]
            if let callback = self.settings.callbackURL { headers.append(("X-Callback-Url", callback.absoluteString)) }
            return try await OperatorHTTP.call(
                .POST, GatewayHTTP.url(self.settings.baseURL, "/collection/v1_0/requesttopay"), headers: headers, body: bytes,
                client: self.client, service: Self.service)
        }
        switch reply.status {
        case 202: return
        // The reference is already known: an earlier attempt of ours reached MTN. Its status says the rest.
        case 409: return
        default:
            let code = (reply.json?["code"] as? String) ?? "HTTP_\(reply.status)"
            throw OperatorHTTP.failure(reply, service: Self.service, code: code)
        }
    }

    public func status(_ order: MobileMoneyOrder, handle: String) async throws -> OperatorCollectionStatus {
        let reply = try await tokens.authorized { token in
            try await OperatorHTTP.call(
                .GET, GatewayHTTP.url(self.settings.baseURL, "/collection/v1_0/requesttopay/\(GatewayHTTP.encode(handle))"),
                headers: try self.headers(token), body: nil, client: self.client, service: Self.service)
        }
        if reply.status == 404 { return .unknown }
        guard reply.status == 200, let json = reply.json else {
            throw OperatorHTTP.failure(reply, service: Self.service, code: "status_refused")
        }
        switch (json["status"] as? String)?.uppercased() {
        case "SUCCESSFUL":
            guard let transaction = json["financialTransactionId"] as? String, !transaction.isEmpty,
                let amount = OperatorHTTP.amount(json["amount"])
            else {
                throw MobileMoneyError.transient(reason: "MTN MoMo : statut SUCCESSFUL sans transaction ni montant (\(reply.text))", retryAfter: nil)
            }
            return .successful(transactionId: transaction, amount: amount)
        case "FAILED", "REJECTED", "TIMEOUT":
            let reason = json["reason"]
            let code = (reason as? String) ?? ((reason as? [String: Any])?["code"] as? String) ?? (json["status"] as? String) ?? "FAILED"
            return .failed(code: code)
        case "PENDING", "CREATED", "ONGOING": return .pending
        default: throw MobileMoneyError.transient(reason: "MTN MoMo : statut inconnu (\(reply.text))", retryAfter: nil)
        }
    }

    private func headers(_ token: String) throws -> [(String, String)] {
        [
            ("Authorization", "Bearer \(token)"), ("X-Target-Environment", settings.targetEnvironment),
            ("Ocp-Apim-Subscription-Key", settings.subscriptionKey),
        ]
    }
}
