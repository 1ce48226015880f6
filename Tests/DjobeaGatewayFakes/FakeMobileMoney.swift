import DjobeaDomain
import Foundation

/// What a fake operator answers for a collection when asked its status.
public enum FakeCollectionOutcome: Sendable, Equatable {
    /// PENDING until the test decides (`settle`).
    case hold
    /// SUCCESSFUL from the first status check.
    case succeed
    /// FAILED with the operator's reason code.
    case fail(String)
}

/// One collection a fake operator holds.
public struct FakeCollection: Sendable, Equatable {
    public var reference: String
    public var amount: String
    public var payer: String
    public var status: String
    public var reason: String?
    public var transactionId: String?
}

/// The bookkeeping both operator fakes share: tokens with a lifetime, collections by reference, outcomes.
struct FakeOperatorState {
    var requests: [RecordedRequest] = []
    var tokens: [String: Date] = [:]
    var tokenCount = 0
    var tokenLifetime = 3_600
    var collections: [String: FakeCollection] = [:]
    /// References in the order the operator first accepted them (one prompt each to the client).
    var prompts: [String] = []
    var outcome = FakeCollectionOutcome.succeed
    var serverErrorNext = 0

    mutating func issueToken(prefix: String) -> String {
        tokenCount += 1
        let token = "\(prefix)-\(tokenCount)"
        tokens[token] = Date().addingTimeInterval(TimeInterval(tokenLifetime))
        return token
    }

    func validBearer(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer "), let expiry = tokens[String(header.dropFirst(7))] else { return false }
        return expiry > Date()
    }

    /// Applies the scripted outcome to a still pending collection.
    mutating func settle(_ reference: String, transactionPrefix: String) {
        guard var collection = collections[reference], collection.status == "PENDING" else { return }
        switch outcome {
        case .hold: return
        case .succeed:
            collection.status = "SUCCESSFUL"
            collection.transactionId = "\(transactionPrefix)\(100_000_001 + (prompts.firstIndex(of: reference) ?? prompts.count))"
        case .fail(let reason):
            collection.status = "FAILED"
            collection.reason = reason
        }
        collections[reference] = collection
    }

    static func basic(_ header: String?) -> (String, String)? {
        guard let header, header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
