import Crypto
import Foundation

/// The signed links of client pages (SPEC.md 4.9): `{base}/c/{token}.{signer}.{signature}`.
///
/// The token (`quotes.public_token`, `invoices.public_token`) is in a synced row, so it is not a secret on its own: a
/// copy of any node's database, an export or a log would otherwise be enough to act on a client's page. The link also
/// carries the id of the hub that made it and an HMAC of the token under that hub's client page key, which central
/// derives from its own master key and the hub's id (`hubKey`) and gives the hub at enrolment; it never travels in a
/// row, and it outlives a re-enrolment (a replaced or restored hub gets the same key, so links already sent still
/// open). The gateway serving the page checks the signature before it reads anything.
public struct ClientPageLinks: Sendable {
    /// Where the gateway serves client pages (e.g. `https://djobea.cm`).
    public var base: String
    /// Who signs: the hub's id once enrolled, else the node's own id (a hub not enrolled serves its own pages).
    public var signer: String
    let key: SymmetricKey

    public init(base: String, signer: String, secret: String) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.signer = signer
        self.key = Self.key(secret: secret)
    }

    /// The link of `token`.
    public func url(token: String) -> String { base + "/c/" + Self.component(token: token, signer: signer, key: key) }

    /// A hub's client page key, given to it at enrolment: HMAC-SHA256(central's master key, "client page/" + hub id),
    /// base64url.
    public static func hubKey(master: String, hubId: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(("client page/" + hubId).utf8), using: SymmetricKey(data: Data(master.utf8)))
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The signing key of a client page key (`secret`): HMAC-SHA256(secret, "djobea client page v1").
    public static func key(secret: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("djobea client page v1".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// `{token}.{signer}.{signature}`: the signature is the first 16 bytes of HMAC-SHA256(key, "c/" + token),
    /// base64url without padding (22 characters).
    public static func component(token: String, signer: String, key: SymmetricKey) -> String {
        token + "." + signer + "." + signature(token: token, key: key)
    }

    static func signature(token: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(("c/" + token).utf8), using: key)
        return Data(Data(mac).prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The parts of a link's last path component, or nil when it is not shaped like one (too long, missing parts,
    /// characters outside base64url and the id's).
    public static func parse(_ component: String) -> (token: String, signer: String, signature: String)? {
        guard component.utf8.count <= 200 else { return nil }
        let parts = component.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, (22...64).contains(parts[0].count), (1...64).contains(parts[1].count), parts[2].count == 22 else { return nil }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        guard parts.allSatisfy({ $0.allSatisfy(allowed.contains) }) else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// Whether `signature` is this signer's for `token`.
    public func verifies(token: String, signature: String) -> Bool { Self.isValid(token: token, signature: signature, key: key) }

    /// Whether `signature` is the one of `token` under `key` (compared in constant time).
    public static func isValid(token: String, signature: String, key: SymmetricKey) -> Bool {
        let expected = Array(Self.signature(token: token, key: key).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
