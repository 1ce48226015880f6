import Crypto
import DjobeaStore
import Foundation
import Hummingbird

/// Fingerprints a write that carries an `Idempotency-Key` (method, path and query, canonical JSON body) and runs the
/// route with it as `CommandFingerprint.current`: the store keeps it with the key's first answer, so the same key with
/// another body is refused (`idempotency_key_reused`) instead of replaying an answer to a different request.
///
/// Placed after authentication: a refused request is not read. The body is collected (≤ `RequestDecoding.maxBodyBytes`)
/// and handed on, so the route reads it as usual; a larger body is not fingerprinted and the route refuses it itself.
struct IdempotencyFingerprintMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers.idempotencyKey != nil, [.post, .put, .patch, .delete].contains(request.method) else {
            return try await next(request, context)
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: RequestDecoding.maxBodyBytes) else {
            return try await next(request, context)
        }
        let fingerprint = Self.fingerprint(method: request.method.rawValue, target: request.uri.description, body: Data(buffer: body))
        return try await CommandFingerprint.$current.withValue(fingerprint) { try await next(request, context) }
    }

    /// The first 32 hex digits of SHA-256 over method, target and body; a JSON body counts by its content (keys
    /// sorted, spacing ignored), so two encodings of the same object match.
    static func fingerprint(method: String, target: String, body: Data) -> String {
        var canonical = body
        if !body.isEmpty, let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
            let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        {
            canonical = sorted
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(method) \(target)\n".utf8))
        hasher.update(data: canonical)
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
