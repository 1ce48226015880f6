import DjobeaGateway
import Foundation

/// The `ClientSendError` `body` throws; nil if it does not throw, a `.permanent("not_a_send_error")` for another error.
func sendError(_ body: () async throws -> Void) async -> ClientSendError? {
    do {
        try await body()
        return nil
    } catch let error as ClientSendError {
        return error
    } catch {
        return .permanent(code: "not_a_send_error", reason: "\(error)")
    }
}

/// A JSON text as a Foundation object, for comparisons that ignore key order.
func jsonObject(_ text: String) -> NSDictionary? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? NSDictionary
}

extension ClientSendError {
    var code: String? {
        if case .permanent(let code, _) = self { return code }
        return nil
    }

    var isTransient: Bool {
        if case .transient = self { return true }
        return false
    }

    var isUnknownOutcome: Bool {
        if case .unknownOutcome = self { return true }
        return false
    }

    var isNotOnWhatsApp: Bool {
        if case .notOnWhatsApp = self { return true }
        return false
    }

    var retryAfter: TimeInterval? {
        if case .transient(_, let retryAfter) = self { return retryAfter }
        return nil
    }
}
