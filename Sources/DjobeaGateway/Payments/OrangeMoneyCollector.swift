import AsyncHTTPClient
import DjobeaDomain
import Foundation

/// Orange Money Cameroon's merchant payment API: `POST /token` (client credentials), then `mp/init` (a pay token),
/// `mp/pay` (the client gets the USSD prompt), `mp/paymentstatus/{payToken}`; Orange posts a notification to `notifUrl`.
///
/// Settings (environment): `ORANGE_MONEY_BASE_URL` (default `https://api-s1.orange.cm`), `ORANGE_MONEY_CONSUMER_KEY` and
/// `ORANGE_MONEY_CONSUMER_SECRET` (the token's Basic credentials), `ORANGE_MONEY_API_USERNAME` and
/// `ORANGE_MONEY_API_PASSWORD` (`X-AUTH-TOKEN`), `ORANGE_MONEY_CHANNEL_MSISDN` and `ORANGE_MONEY_PIN` (the merchant
/// channel), `ORANGE_MONEY_CALLBACK_URL` (`notifUrl`; notifications only wake the gateway).
public struct OrangeMoneyCollector: MobileMoneyCollector {
    public struct Settings: Sendable, Equatable {
        public var baseURL: URL
        public var consumerKey: String
        public var consumerSecret: String
        public var apiUsername: String
        public var apiPassword: String
        public var channelMsisdn: String
        public var pin: String
        public var callbackURL: URL?

        public init(
            baseURL: URL, consumerKey: String, consumerSecret: String, apiUsername: String, apiPassword: String, channelMsisdn: String,
            pin: String, callbackURL: URL? = nil
        ) {
            self.baseURL = baseURL
            self.consumerKey = consumerKey
            self.consumerSecret = consumerSecret
            self.apiUsername = apiUsername
            self.apiPassword = apiPassword
            self.channelMsisdn = channelMsisdn
            self.pin = pin
            self.callbackURL = callbackURL
        }
    }

    public let settings: Settings
    public var method: CollectionMethod { .orangeMoney }
    private let client: HTTPClient
    private let tokens: BearerTokenCache
    static let service = "Orange Money"
    static let apiPath = "/omcoreapis/1.0.2/mp"

    public init(settings: Settings, httpClient: HTTPClient = .shared) {
        self.settings = settings
        self.client = httpClient
        let url = GatewayHTTP.url(settings.baseURL, "/token")
        let headers = [
            ("Authorization", OperatorHTTP.basic(settings.consumerKey, settings.consumerSecret)),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]
        tokens = BearerTokenCache { () async throws -> (String, TimeInterval) in
            let reply = try await OperatorHTTP.call(
                .POST, url, headers: headers, body: GatewayHTTP.form([("grant_type", "client_credentials")]), client: httpClient,
                service: Self.service)
            guard reply.status == 200 else { throw OperatorHTTP.failure(reply, service: Self.service, code: "token_refused") }
            guard let token = reply.json?["access_token"] as? String, !token.isEmpty else {
                throw MobileMoneyError.transient(reason: "Orange Money : jeton illisible (\(reply.text))", retryAfter: nil)
            }
            return (token, TimeInterval(OperatorHTTP.amount(reply.json?["expires_in"]) ?? 3_600))
        }
    }

    public static func fromEnvironment(_ env: [String: String], httpClient: HTTPClient = .shared) throws -> OrangeMoneyCollector {
        let driver = "l'encaissement Orange Money"
        guard let base = try GatewayEnvironment.url(env, "ORANGE_MONEY_BASE_URL", driver) ?? URL(string: "https://api-s1.orange.cm") else {
            throw GatewaySettingError(line: "Configuration invalide : ORANGE_MONEY_BASE_URL.")
        }
        return OrangeMoneyCollector(
            settings: Settings(
                baseURL: base,
                consumerKey: try GatewayEnvironment.required(env, "ORANGE_MONEY_CONSUMER_KEY", driver, "clé d'application"),
                consumerSecret: try GatewayEnvironment.required(env, "ORANGE_MONEY_CONSUMER_SECRET", driver, "secret d'application"),
                apiUsername: try GatewayEnvironment.required(env, "ORANGE_MONEY_API_USERNAME", driver, "utilisateur de l'API marchand"),
                apiPassword: try GatewayEnvironment.required(env, "ORANGE_MONEY_API_PASSWORD", driver, "mot de passe de l'API marchand"),
                channelMsisdn: try GatewayEnvironment.required(env, "ORANGE_MONEY_CHANNEL_MSISDN", driver, "numéro du canal marchand"),
                pin: try GatewayEnvironment.required(env, "ORANGE_MONEY_PIN", driver, "code PIN du canal marchand"),
                callbackURL: try GatewayEnvironment.url(env, "ORANGE_MONEY_CALLBACK_URL", driver)),
            httpClient: httpClient)
    }

    public func prepare(_ order: MobileMoneyOrder) async throws -> String {
        let reply = try await tokens.authorized { token in
            try await OperatorHTTP.call(
                .POST, GatewayHTTP.url(self.settings.baseURL, Self.apiPath + "/init"), headers: self.headers(token), body: [],
                client: self.client, service: Self.service)
        }
        guard reply.status == 200 || reply.status == 201 else { throw OperatorHTTP.failure(reply, service: Self.service, code: "init_refused") }
        guard let data = reply.json?["data"] as? [String: Any], let payToken = data["payToken"] as? String, !payToken.isEmpty else {
            throw MobileMoneyError.transient(reason: "Orange Money : init sans payToken (\(reply.text))", retryAfter: nil)
        }
        return payToken
    }

    public func request(_ order: MobileMoneyOrder, handle: String) async throws {
        var body: [String: Any] = [
            "channelUserMsisdn": settings.channelMsisdn, "amount": String(order.amount),
            "subscriberMsisdn": String(order.msisdn.dropFirst(3)), "pin": settings.pin, "orderId": order.reference,
            "description": String(order.description.prefix(120)), "payToken": handle,
        ]
        if let callback = settings.callbackURL { body["notifUrl"] = callback.absoluteString }
        let bytes = Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
        let reply = try await tokens.authorized { token in
            try await OperatorHTTP.call(
                .POST, GatewayHTTP.url(self.settings.baseURL, Self.apiPath + "/pay"),
                headers: self.headers(token) + [("Content-Type", "application/json")], body: bytes, client: self.client,
                service: Self.service)
        }
        guard reply.status == 200 || reply.status == 201 else {
            let data = reply.json?["data"] as? [String: Any]
            let code = (data?["status"] as? String) ?? (reply.json?["code"] as? String) ?? "HTTP_\(reply.status)"
            throw OperatorHTTP.failure(reply, service: Self.service, code: code)
        }
    }

    public func status(_ order: MobileMoneyOrder, handle: String) async throws -> OperatorCollectionStatus {
        let reply = try await tokens.authorized { token in
            try await OperatorHTTP.call(
                .GET, GatewayHTTP.url(self.settings.baseURL, Self.apiPath + "/paymentstatus/\(GatewayHTTP.encode(handle))"),
                headers: self.headers(token), body: nil, client: self.client, service: Self.service)
        }
        if reply.status == 404 { return .unknown }
        guard reply.status == 200, let data = reply.json?["data"] as? [String: Any] else {
            throw OperatorHTTP.failure(reply, service: Self.service, code: "status_refused")
        }
        switch (data["status"] as? String)?.uppercased() {
        // Orange spells it both ways.
        case "SUCCESSFULL", "SUCCESSFUL", "SUCCESS":
            guard let transaction = data["txnid"] as? String, !transaction.isEmpty, let amount = OperatorHTTP.amount(data["amount"]) else {
                throw MobileMoneyError.transient(reason: "Orange Money : paiement réussi sans txnid ni montant (\(reply.text))", retryAfter: nil)
            }
            return .successful(transactionId: transaction, amount: amount)
        case "PENDING": return .pending
        // The pay token exists but `pay` never reached Orange: the gateway asks again.
        case "INITIATED": return .unknown
        case "FAILED", "EXPIRED", "CANCELLED", "REJECTED":
            let code = (data["status"] as? String)?.uppercased() ?? "FAILED"
            return .failed(code: code == "FAILED" ? ((data["inittxnstatus"] as? String) ?? "FAILED") : code)
        default: throw MobileMoneyError.transient(reason: "Orange Money : statut inconnu (\(reply.text))", retryAfter: nil)
        }
    }

    private func headers(_ token: String) -> [(String, String)] {
        [
            ("Authorization", "Bearer \(token)"),
            ("X-AUTH-TOKEN", Data("\(settings.apiUsername):\(settings.apiPassword)".utf8).base64EncodedString()),
        ]
    }
}
