import Crypto
import Foundation

/// The key that seals TOTP seeds before they are written to `provider_credentials`.
///
/// `provider_credentials` is a synced table: a seed enrolled at one hub travels through central to every hub of
/// the provider's zones, so that the provider can log in at any of them. The seed therefore never reaches the
/// database, nor the change log, in plain text: the column holds `v1:` + base64(nonce | ciphertext | tag), sealed
/// with AES-256-GCM under this key, the provider id being authenticated data (a sealed seed copied onto another
/// provider's row does not open).
///
/// Where the key lives: it is a *deployment* key, not a node key. Every node of a deployment (the hubs; central
/// only stores and forwards the sealed text) must be given the same `PROVIDER_TOTP_KEY`, so that a seed sealed at
/// one hub opens at another after a sync. Without the variable a node makes its own key file
/// (`<data dir>/secrets/totp.key`, mode 0600): fine for a single hub or a demo, but then a seed enrolled
/// elsewhere does not open here and the login answers `totp_unavailable` (the provider can still log in with a
/// WhatsApp code). It is deliberately separate from `PROVIDER_JWT_SECRET`: replacing the token secret to end every
/// session must not make every second factor unreadable. The key does not travel in the sync protocol.
public struct TOTPSeedKey: Sendable {
    let key: SymmetricKey

    /// The shortest secret accepted, in bytes.
    public static let minimumSecretLength = 32
    static let environmentVariable = "PROVIDER_TOTP_KEY"

    /// - Parameters:
    ///   - secret: at least 32 bytes of high-entropy secret; the AES key is derived from it by HKDF.
    public init(secret: [UInt8]) throws {
        guard secret.count >= Self.minimumSecretLength else { throw TOTPSeedKeyError.secretTooShort(secret.count) }
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), info: Array("djobea-provider-auth/totp-seed-aes-gcm/v1".utf8), outputByteCount: 32)
    }

    /// `PROVIDER_TOTP_KEY` when set (the same value on every node), else the key file `<data dir>/secrets/totp.key`,
    /// made once with 32 random bytes when missing.
    public static func load(
        environment: [String: String], dataDirectory: URL, random: any RandomSource = SystemRandomSource()
    ) throws -> TOTPSeedKey {
        if let text = environment[environmentVariable] {
            return try TOTPSeedKey(secret: Array(text.utf8))
        }
        let file = dataDirectory.appendingPathComponent("secrets", isDirectory: true).appendingPathComponent("totp.key")
        do {
            return try TOTPSeedKey(secret: KeyFile.readOrCreate(at: file, random: random))
        } catch let error as TokenKeysError {
            throw TOTPSeedKeyError.keyFile(error)
        }
    }
}

/// Why the TOTP seed key cannot be used, in French for the operator.
public enum TOTPSeedKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case secretTooShort(Int)
    case keyFile(TokenKeysError)

    public var description: String {
        switch self {
        case .secretTooShort(let count):
            "Configuration invalide : PROVIDER_TOTP_KEY fait \(count) octets. Attendu : \(TOTPSeedKey.minimumSecretLength) octets "
                + "au moins (ex. openssl rand -base64 48), la même valeur sur tous les nœuds."
        case .keyFile(let error): error.description
        }
    }
}

/// Sealing and opening the TOTP seed stored in `provider_credentials.totp_secret` (and in `totp_enrolments`).
enum SealedSeed {
    static let prefix = "v1:"

    /// Why a stored seed does not open.
    enum OpenError: Error, Equatable {
        /// Sealed under another key, altered, or bound to another provider.
        case unreadable
    }

    /// `v1:` + base64(nonce | ciphertext | tag), bound to `providerId`.
    static func seal(_ seed: String, providerId: String, key: TOTPSeedKey) throws -> String {
        let box = try AES.GCM.seal(Array(seed.utf8), using: key.key, authenticating: associatedData(providerId))
        guard let combined = box.combined else { throw OpenError.unreadable }
        return prefix + combined.base64EncodedString()
    }

    /// Whether `stored` is a seed written before sealing existed (plain base32 text).
    static func isLegacy(_ stored: String) -> Bool { !stored.hasPrefix(prefix) }

    /// The seed in `stored`; a legacy plain seed is returned as it is (the caller seals it again).
    static func open(_ stored: String, providerId: String, key: TOTPSeedKey) throws -> String {
        guard !isLegacy(stored) else { return stored }
        guard let data = Data(base64Encoded: String(stored.dropFirst(prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key.key, authenticating: associatedData(providerId)),
            let seed = String(data: plain, encoding: .utf8)
        else { throw OpenError.unreadable }
        return seed
    }

    private static func associatedData(_ providerId: String) -> [UInt8] {
        Array("djobea-totp-seed/v1|\(providerId)".utf8)
    }
}
