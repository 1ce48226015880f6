import Foundation

/// Why a browser's push subscription was refused: a stable `code` for clients, a French `message` for people.
public struct PushSubscriptionError: Error, Equatable, CustomStringConvertible {
    /// `invalid_endpoint` or `invalid_keys`.
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public static func invalidEndpoint(_ message: String) -> PushSubscriptionError {
        PushSubscriptionError(code: "invalid_endpoint", message: message)
    }

    public static func invalidKeys(_ message: String) -> PushSubscriptionError {
        PushSubscriptionError(code: "invalid_keys", message: message)
    }

    public var description: String { message }
}

extension PushSubscriptionInfo {
    /// The longest endpoint we keep.
    public static let maxEndpointLength = 2048
    /// Hosts to which a plain `http://` endpoint is allowed (local fakes in tests).
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "::1", "[::1]", "localhost"]

    /// This subscription if it can be pushed to.
    ///
    /// The endpoint must be an absolute `https://` URL (or, with `allowLoopback`, `http://` to a loopback host) of at
    /// most 2048 characters; `p256dh` must decode to an uncompressed P-256 point (65 bytes) and `auth` to 16 bytes.
    ///
    /// - Parameters:
    ///   - allowLoopback: accept plain `http://` to this machine: local fakes in tests and the demo only
    ///     (`DJOBEA_PUSH_ALLOW_LOOPBACK=1`); a production gateway must never post to its own loopback services.
    /// - Throws: `PushSubscriptionError`.
    public func validated(allowLoopback: Bool = true) throws -> PushSubscriptionInfo {
        guard endpoint.count <= Self.maxEndpointLength else {
            throw PushSubscriptionError.invalidEndpoint("Adresse d'abonnement trop longue (\(Self.maxEndpointLength) caractères au plus)")
        }
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { throw PushSubscriptionError.invalidEndpoint("Adresse d'abonnement invalide : URL absolue attendue") }
        guard components.user == nil, components.password == nil else {
            throw PushSubscriptionError.invalidEndpoint("Adresse d'abonnement invalide : identifiants interdits dans l'URL")
        }
        let loopback = Self.loopbackHosts.contains(host)
        // Push services are named hosts; an address (private, link-local, this machine) is never one.
        let literal = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." } || host.hasPrefix("[")
        guard !(literal || loopback) || (allowLoopback && loopback) else {
            throw PushSubscriptionError.invalidEndpoint("Adresse d'abonnement invalide : nom de service de notifications attendu")
        }
        guard endpoint.count >= 10 else { throw PushSubscriptionError.invalidEndpoint("Adresse d'abonnement trop courte") }
        switch scheme {
        case "https":
            break
        case "http" where allowLoopback && Self.loopbackHosts.contains(host):
            break
        default:
            throw PushSubscriptionError.invalidEndpoint("Adresse d'abonnement invalide : https:// attendu")
        }
        guard let key = Base64URL.decode(p256dh), (try? WebPushEncryption.userAgentKey(key)) != nil else {
            throw PushSubscriptionError.invalidKeys("Clé p256dh invalide : point P-256 non compressé de 65 octets attendu (base64url)")
        }
        guard let secret = Base64URL.decode(auth), secret.count == 16 else {
            throw PushSubscriptionError.invalidKeys("Secret auth invalide : 16 octets attendus (base64url)")
        }
        return self
    }
}
