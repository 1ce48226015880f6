import AsyncHTTPClient
import DjobeaGateway
import NIOCore

/// The OTP drivers' one POST, through the gateway's HTTP plumbing (`GatewayHTTP`, shared with the client message
/// drivers).
///
/// A send that got no answer is retried whether or not it may have left (the gateway's `unknownOutcome`): a provider
/// who receives a login code twice uses either, each valid until its expiry, so a duplicate costs one message while a
/// lost code blocks a login.
enum NotifierHTTP {
    /// POSTs `body` to `url` and returns the answer, whatever its status.
    ///
    /// - Throws: `NotifierError.transient` when no answer came (refused, unreachable, timed out).
    static func post(
        _ url: String, headers: [(String, String)], body: [UInt8], client: HTTPClient, timeout: TimeAmount, service: String
    ) async throws -> GatewayHTTP.Reply {
        do {
            return try await GatewayHTTP.post(url, headers: headers, body: body, client: client, timeout: timeout, service: service)
        } catch {
            throw NotifierError.transient(error.description)
        }
    }
}
