import DjobeaDomain
import Foundation

/// A local fake of MTN MoMo's Collection API: `POST /collection/token/`, `POST /collection/v1_0/requesttopay`,
/// `GET /collection/v1_0/requesttopay/{referenceId}`.
///
/// It checks requests as MTN does (Basic credentials and subscription key for the token; bearer token, subscription
/// key, `X-Target-Environment`, a UUID `X-Reference-Id`, amount as a string of digits, currency, MSISDN payer), answers
/// 401 for an expired token, 409 `RESOURCE_ALREADY_EXIST` for a reference it already has (the client is prompted once),
/// 404 for a reference it does not know, and the scripted outcome on status checks.
public final class FakeMTNMoMo: Sendable {
    public let subscriptionKey = "fake-subscription-key"
    public let apiUser = "0f3bd6ec-5b7e-4b41-a63a-5f7b1e9c3a10"
    public let apiKey = "fake-api-key"
    public let targetEnvironment = "mtncameroon"
    private let server: LockedValue<FakeHTTPServer?> = LockedValue(nil)
    private let state = LockedValue(FakeOperatorState())

    private init() {}

    public static func start(port: Int = 0) async throws -> FakeMTNMoMo {
        let fake = FakeMTNMoMo()
        let server = try await FakeHTTPServer.start(port: port, name: "fake-mtn-momo") { request in fake.answer(request) }
        fake.server.withLock { $0 = server }
        return fake
    }

    public var baseURL: URL { server.withLock { $0?.baseURL } ?? URL(fileURLWithPath: "/") }

    /// The environment a `djobea` central needs to collect through this fake.
    public var environment: [String: String] {
        [
            "MTN_MOMO_BASE_URL": baseURL.absoluteString, "MTN_MOMO_SUBSCRIPTION_KEY": subscriptionKey, "MTN_MOMO_API_USER": apiUser,
            "MTN_MOMO_API_KEY": apiKey, "MTN_MOMO_TARGET_ENVIRONMENT": targetEnvironment,
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
    public var collections: [String: FakeCollection] { state.withLock { $0.collections } }
    /// References the client was prompted for, each once, in order.
    public var prompts: [String] { state.withLock { $0.prompts } }
    public var tokensIssued: Int { state.withLock { $0.tokenCount } }

    public func outcome(_ outcome: FakeCollectionOutcome) { state.withLock { $0.outcome = outcome } }
    /// Tokens last `seconds` (MTN's are an hour).
    public func tokenLifetime(_ seconds: Int) { state.withLock { $0.tokenLifetime = seconds } }
    /// Every token issued so far is expired now.
    public func expireTokens() { state.withLock { $0.tokens = $0.tokens.mapValues { _ in .distantPast } } }
    public func failNext(_ count: Int) { state.withLock { $0.serverErrorNext = count } }
    /// Decides the pending collections with the current outcome (after `.hold`).
    public func settlePending() {
        state.withLock { state in
            for reference in state.collections.keys { state.settle(reference, transactionPrefix: "") }
        }
    }

    func answer(_ request: RecordedRequest) -> FakeResponse {
        state.withLock { state in
            state.requests.append(request)
            if state.serverErrorNext > 0 {
                state.serverErrorNext -= 1
                return .json(500, #"{"code":"INTERNAL_PROCESSING_ERROR","message":"An internal error occurred"}"#)
            }
            guard request.headers["ocp-apim-subscription-key"] == subscriptionKey else {
                return .json(401, #"{"statusCode":401,"message":"Access denied due to invalid subscription key."}"#)
            }
            if request.method == "POST", request.path == "/collection/token/" {
                guard let (user, key) = FakeOperatorState.basic(request.headers["authorization"]), user == apiUser, key == apiKey else {
                    return .json(401, #"{"error":"login_failed"}"#)
                }
                let token = state.issueToken(prefix: "mtn-token")
                return .json(200, #"{"access_token":"\#(token)","token_type":"access_token","expires_in":\#(state.tokenLifetime)}"#)
            }
            guard state.validBearer(request.headers["authorization"]) else {
                return .json(401, #"{"code":"UNAUTHORIZED","message":"Access token is missing, invalid or expired"}"#)
            }
            guard request.headers["x-target-environment"] == targetEnvironment else {
                return .json(400, #"{"code":"NOT_ALLOWED_TARGET_ENVIRONMENT","message":"Access to target environment is forbidden."}"#)
            }
            if request.method == "POST", request.path == "/collection/v1_0/requesttopay" {
                guard let reference = request.headers["x-reference-id"], UUID(uuidString: reference) != nil else {
                    return .json(400, #"{"code":"INVALID_REFERENCE_ID","message":"X-Reference-Id must be a UUID"}"#)
                }
                guard let json = request.json, let amount = json["amount"] as? String, !amount.isEmpty, amount.allSatisfy(\.isNumber),
                    json["currency"] as? String == "XAF", let payer = json["payer"] as? [String: Any], payer["partyIdType"] as? String == "MSISDN",
                    let msisdn = payer["partyId"] as? String, msisdn.count == 12, msisdn.hasPrefix("237"), msisdn.allSatisfy(\.isNumber)
                else {
                    return .json(400, #"{"code":"INVALID_PAYLOAD","message":"Invalid request body"}"#)
                }
                if state.collections[reference] != nil {
                    return .json(409, #"{"code":"RESOURCE_ALREADY_EXIST","message":"Duplicated reference id. Creation of resource failed."}"#)
                }
                state.collections[reference] = FakeCollection(reference: reference, amount: amount, payer: msisdn, status: "PENDING")
                state.prompts.append(reference)
                return FakeResponse(status: 202)
            }
            let prefix = "/collection/v1_0/requesttopay/"
            if request.method == "GET", request.path.hasPrefix(prefix) {
                let reference = String(request.path.dropFirst(prefix.count))
                state.settle(reference, transactionPrefix: "")
                guard let collection = state.collections[reference] else {
                    return .json(404, #"{"code":"RESOURCE_NOT_FOUND","message":"Requested resource was not found."}"#)
                }
                var body: [String: Any] = [
                    "amount": collection.amount, "currency": "XAF", "externalId": reference,
                    "payer": ["partyIdType": "MSISDN", "partyId": collection.payer], "status": collection.status,
                ]
                if let transaction = collection.transactionId { body["financialTransactionId"] = transaction }
                if let reason = collection.reason { body["reason"] = reason }
                let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
                return .json(200, String(decoding: data, as: UTF8.self))
            }
            return .json(404, #"{"code":"RESOURCE_NOT_FOUND","message":"Unknown path"}"#)
        }
    }
}
