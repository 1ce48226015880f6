import Hummingbird

/// Admits a provider route only with a valid `Authorization: Bearer <access token>`; sets the context's identity.
///
/// Checking the token needs no network (the key is local), so a hub cut off from the internet keeps serving.
/// Refusals are counted per address (`ProviderAPIServices.authenticateRequest`): a prober gets 429 past its budget.
struct ProviderAuthMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    /// The token (nil when the header is missing or not `Bearer`) and the caller's address.
    let authenticate: @Sendable (String?, String) async throws -> ProviderIdentity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var token: String?
        if let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " {
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        var context = context
        context.identity = try await authenticate(token, context.remoteIP)
        return try await next(request, context)
    }
}

/// Refuses a caller over its request budget with 429 and `Retry-After`, per IP and, once authenticated, per provider.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    /// Returns nil when allowed, else the seconds to wait.
    let check: @Sendable (String) async -> Int?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var keys = ["ip:\(context.remoteIP)"]
        if let provider = context.identity?.providerId { keys.append("provider:\(provider)") }
        for key in keys {
            if let wait = await check(key) {
                throw APIError(
                    .tooManyRequests, code: "rate_limited", message: "Trop de requêtes : réessayez dans \(wait) s.", retryAfter: wait)
            }
        }
        return try await next(request, context)
    }
}
