import DjobeaDomain
import Foundation

/// A local fake of Orange Money Cameroon's merchant payment API: `POST /token`, `POST /omcoreapis/1.0.2/mp/init`,
/// `POST /omcoreapis/1.0.2/mp/pay`, `GET /omcoreapis/1.0.2/mp/paymentstatus/{payToken}`.
///
/// It checks the consumer credentials (Basic) for the token, then the bearer token and `X-AUTH-TOKEN` on every call,
/// the pay body (channel number, PIN, 9-digit subscriber number, amount as digits, the pay token it issued); a pay token
/// pays once (a second `pay` is refused: the client is prompted once); statuses are INITIATED before `pay`, then
/// PENDING, then the scripted outcome (`SUCCESSFULL`, as Orange spells it, or FAILED/EXPIRED).
public final class FakeOrangeMoney: Sendable {
    public let consumerKey = "fake-consumer-key"
    public let consumerSecret = "fake-consumer-secret"
    public let apiUsername = "DJOBEAAPI"
    public let apiPassword = "fake-api-password"
    public let channelMsisdn = "691234567"
    public let pin = "2222"
    private let server: LockedValue<FakeHTTPServer?> = LockedValue(nil)
    private let state = LockedValue(FakeOperatorState())
    private let initiated = LockedValue<[String: Bool]>([:])

    private init() {}

    public static func start(port: Int = 0) async throws -> FakeOrangeMoney {
        let fake = FakeOrangeMoney()
        let server = try await FakeHTTPServer.start(port: port, name: "fake-orange-money") { request in fake.answer(request) }
        fake.server.withLock { $0 = server }
        return fake
    }

    public var baseURL: URL { server.withLock { $0?.baseURL } ?? URL(fileURLWithPath: "/") }

    public var environment: [String: String] {
        [
            "ORANGE_MONEY_BASE_URL": baseURL.absoluteString, "ORANGE_MONEY_CONSUMER_KEY": consumerKey,
            "ORANGE_MONEY_CONSUMER_SECRET": consumerSecret, "ORANGE_MONEY_API_USERNAME": apiUsername,
            "ORANGE_MONEY_API_PASSWORD": apiPassword, "ORANGE_MONEY_CHANNEL_MSISDN": channelMsisdn, "ORANGE_MONEY_PIN": pin,
        ]
    }

    public func stop() async {
        let server = self.server.withLock { server in
            defer { server = nil }
            return server
        }
        await server?.stop()
    }

    public var requests: [RecordedRequest] { state.withLock { $0.requests } }
    /// Collections by pay token.
    public var collections: [String: FakeCollection] { state.withLock { $0.collections } }
    /// Pay tokens the client was prompted for, each once.
    public var prompts: [String] { state.withLock { $0.prompts } }
    public func outcome(_ outcome: FakeCollectionOutcome) { state.withLock { $0.outcome = outcome } }
    public func expireTokens() { state.withLock { $0.tokens = $0.tokens.mapValues { _ in .distantPast } } }
    public func settlePending() {
        state.withLock { state in
            for token in state.collections.keys { state.settle(token, transactionPrefix: "MP") }
        }
    }

    static let api = "/omcoreapis/1.0.2/mp"

    func answer(_ request: RecordedRequest) -> FakeResponse {
        state.withLock { state in
            state.requests.append(request)
            if request.method == "POST", request.path == "/token" {
                guard let (key, secret) = FakeOperatorState.basic(request.headers["authorization"]), key == consumerKey, secret == consumerSecret,
                    request.formValues["grant_type"] == "client_credentials"
                else { return .json(401, #"{"error":"invalid_client"}"#) }
                let token = state.issueToken(prefix: "om-token")
                return .json(
                    200,
                    #"{"access_token":"\#(token)","scope":"am_application_scope default","token_type":"Bearer","expires_in":\#(state.tokenLifetime)}"#
                )
            }
            guard state.validBearer(request.headers["authorization"]) else {
                return .json(401, #"{"code":900901,"message":"Invalid Credentials"}"#)
            }
            let auth = Data("\(apiUsername):\(apiPassword)".utf8).base64EncodedString()
            guard request.headers["x-auth-token"] == auth else { return .json(401, #"{"message":"X-AUTH-TOKEN invalide"}"#) }
            if request.method == "POST", request.path == Self.api + "/init" {
                let token = "MP\(String(format: "%08d", initiated.withLock { $0.count } + 1))ABCD"
                initiated.withLock { $0[token] = true }
                return .json(200, #"{"message":"Payment request successfully initiated","data":{"payToken":"\#(token)"}}"#)
            }
            if request.method == "POST", request.path == Self.api + "/pay" {
                guard let json = request.json, let token = json["payToken"] as? String, initiated.withLock({ $0[token] }) == true,
                    json["channelUserMsisdn"] as? String == channelMsisdn, json["pin"] as? String == pin,
                    let amount = json["amount"] as? String, amount.allSatisfy(\.isNumber), !amount.isEmpty,
                    let subscriber = json["subscriberMsisdn"] as? String, subscriber.count == 9, subscriber.allSatisfy(\.isNumber),
                    let order = json["orderId"] as? String, !order.isEmpty
                else { return .json(400, #"{"message":"Requête invalide","data":{"status":"FAILED"}}"#) }
                if state.collections[token] != nil {
                    return .json(400, #"{"message":"payToken déjà utilisé","data":{"status":"FAILED","payToken":"\#(token)"}}"#)
                }
                state.collections[token] = FakeCollection(reference: order, amount: amount, payer: subscriber, status: "PENDING")
                state.prompts.append(token)
                return .json(200, #"{"message":"Paiement en attente de confirmation","data":{"status":"PENDING","payToken":"\#(token)"}}"#)
            }
            let prefix = Self.api + "/paymentstatus/"
            if request.method == "GET", request.path.hasPrefix(prefix) {
                let token = String(request.path.dropFirst(prefix.count))
                guard initiated.withLock({ $0[token] }) == true else { return .json(404, #"{"message":"payToken inconnu"}"#) }
                state.settle(token, transactionPrefix: "MP")
                guard let collection = state.collections[token] else {
                    return .json(200, #"{"message":"ok","data":{"status":"INITIATED","payToken":"\#(token)"}}"#)
                }
                var data: [String: Any] = [
                    "status": collection.status == "SUCCESSFUL" ? "SUCCESSFULL" : collection.status, "payToken": token, "amount": collection.amount,
                ]
                if let transaction = collection.transactionId { data["txnid"] = transaction }
                if let reason = collection.reason { data["status"] = reason == "FAILED" ? "FAILED" : reason }
                let body = (try? JSONSerialization.data(withJSONObject: ["message": "ok", "data": data], options: [.sortedKeys])) ?? Data()
                return .json(200, String(decoding: body, as: UTF8.self))
            }
            return .json(404, #"{"message":"Chemin inconnu"}"#)
        }
    }
}
