import Crypto
import Foundation

/// The node's signing secret and the keys derived from it, from configuration only.
///
/// One secret, several uses, each with its own key derived by HKDF so that no key serves two purposes:
/// the access-token HMAC (HS256), the hash of one-time codes, and the seal of queued messages.
/// The `kid` is derived from the secret too: a new secret gives a new `kid`, and tokens signed with the old one
/// are refused as signed by an unknown key.
public struct TokenKeys: Sendable {
    /// Key id written in the JWT header.
    public let kid: String
    /// HMAC-SHA256 key of access tokens.
    let signingKey: SymmetricKey
    /// HMAC-SHA256 key of one-time code hashes.
    let codeKey: SymmetricKey
    /// ChaCha20-Poly1305 key sealing queued messages.
    let sealingKey: SymmetricKey

    /// The shortest secret accepted, in bytes.
    public static let minimumSecretLength = 32

    /// - Parameters:
    ///   - secret: at least 32 bytes of high-entropy secret.
    public init(secret: [UInt8]) throws {
        guard secret.count >= Self.minimumSecretLength else { throw TokenKeysError.secretTooShort(secret.count) }
        let master = SymmetricKey(data: secret)
        func derive(_ purpose: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Array("djobea-provider-auth/\(purpose)/v1".utf8), outputByteCount: 32)
        }
        signingKey = derive("jwt-hs256")
        codeKey = derive("otp-code-hash")
        sealingKey = derive("outbox-seal")
        let fingerprint = SHA256.hash(data: Array("djobea-kid:".utf8) + secret)
        kid = "hs256-" + Hex.encode(fingerprint.prefix(8))
    }

    /// The keys of a node: `PROVIDER_JWT_SECRET` when set, else the key file `<data dir>/secrets/jwt.key`,
    /// made once with 32 random bytes (mode 0600) when missing.
    ///
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - dataDirectory: the node's data directory.
    ///   - random: where a new key file's bytes come from.
    public static func load(
        environment: [String: String], dataDirectory: URL, random: any RandomSource = SystemRandomSource()
    ) throws -> TokenKeys {
        if let text = environment["PROVIDER_JWT_SECRET"] {
            return try TokenKeys(secret: Array(text.utf8))
        }
        let file = dataDirectory.appendingPathComponent("secrets", isDirectory: true).appendingPathComponent("jwt.key")
        return try TokenKeys(secret: KeyFile.readOrCreate(at: file, random: random))
    }
}

/// Why the signing secret cannot be used, in French for the operator.
public enum TokenKeysError: Error, Equatable, Sendable, CustomStringConvertible {
    case secretTooShort(Int)
    case unreadableKeyFile(String)
    case keyFileTooOpen(String)
    case cannotCreateKeyFile(String)

    public var description: String {
        switch self {
        case .secretTooShort(let count):
            "Configuration invalide : PROVIDER_JWT_SECRET fait \(count) octets. Attendu : \(TokenKeys.minimumSecretLength) octets "
                + "au moins (ex. openssl rand -base64 48), ou ne le définissez pas pour utiliser secrets/jwt.key."
        case .unreadableKeyFile(let path):
            "Fichier de clé illisible ou corrompu : \(path). Restaurez-le depuis une sauvegarde ou supprimez-le "
                + "(toutes les sessions seront fermées)."
        case .keyFileTooOpen(let path):
            "Fichier de clé lisible par d'autres utilisateurs : \(path). Corrigez avec : chmod 600 \(path)"
        case .cannotCreateKeyFile(let path):
            "Impossible de créer le fichier de clé \(path) : vérifiez les droits du dossier de données."
        }
    }
}
