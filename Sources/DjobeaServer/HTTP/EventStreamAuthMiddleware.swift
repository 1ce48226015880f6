import Foundation
import Hummingbird

/// Like `ProviderAuthMiddleware`, but also takes the access token from `?access_token=`: the browser's
/// `EventSource` cannot set an `Authorization` header.
///
/// A token in a URL can land in proxy logs, so only this route accepts it, and access tokens are short-lived.
struct EventStreamAuthMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let authenticate: @Sendable (String) async throws -> ProviderIdentity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(of: request) else { throw APIError.unauthenticated() }
        var context = context
        context.identity = try await authenticate(token)
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
