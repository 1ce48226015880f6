import Foundation
import Hummingbird

/// Like `ProviderAuthMiddleware`, but also takes the access token from `?access_token=`: the browser's
/// `EventSource` cannot set an `Authorization` header.
///
/// A token in a URL can land in proxy logs, so only this route accepts it, and access tokens are short-lived.
struct EventStreamAuthMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    /// The token (nil when there is none) and the caller's address, as for `ProviderAuthMiddleware`.
    let authenticate: @Sendable (String?, String) async throws -> ProviderIdentity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.identity = try await authenticate(Self.token(of: request), context.remoteIP)
        return try await next(request, context)
    }

    /// The bearer token of the header, else the `access_token` query parameter.
    static func token(of request: Request) -> String? {
        if let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " {
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let token = request.uri.queryParameters.get("access_token"), !token.isEmpty else { return nil }
        return token
    }
}
