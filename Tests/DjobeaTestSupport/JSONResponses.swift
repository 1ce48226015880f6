import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// Reading the JSON answers of in-process HTTP calls (`TestClientProtocol`). A suite conforms
/// (`struct OpsTests: ReadsJSONResponses`) and calls `Self.json(response)`, `Self.errorCode(response)`,
/// `Self.errorMessage(response)`; other suites may call them through it (`OpsTests.json(response)`).
public protocol ReadsJSONResponses {}

extension ReadsJSONResponses {
    /// The body as a JSON object; empty if it is not one.
    public static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
    }

    /// The `error.code` of a JSON error answer.
    public static func errorCode(_ response: TestResponse) -> String? {
        (json(response)["error"] as? [String: Any])?["code"] as? String
    }

    /// The `error.message` (French, shown to the user) of a JSON error answer.
    public static func errorMessage(_ response: TestResponse) -> String? {
        (json(response)["error"] as? [String: Any])?["message"] as? String
    }
}
