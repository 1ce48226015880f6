import Crypto
import Foundation

/// Why a push message could not be encrypted.
public enum WebPushEncryptionError: Error, Equatable, CustomStringConvertible {
    /// The plaintext does not fit in one record of a 4096-byte body.
    case payloadTooLarge(size: Int, limit: Int)
    /// `p256dh` is not an uncompressed P-256 point (65 bytes starting with 0x04, on the curve).
    case invalidUserAgentKey
    /// `auth` is not 16 bytes.
    case invalidAuthSecret
    /// The salt is not 16 bytes.
    case invalidSalt
    /// The record size is below 18 or too small for the plaintext.
    case invalidRecordSize(UInt32)

    public var description: String {
        switch self {
        case .payloadTooLarge(let size, let limit):
            return "Message push trop long : \(size) octets, \(limit) au plus"
        case .invalidUserAgentKey:
            return "Clé p256dh de l'abonnement invalide (point P-256 non compressé de 65 octets attendu)"
        case .invalidAuthSecret:
            return "Secret auth de l'abonnement invalide (16 octets attendus)"
        case .invalidSalt:
            return "Sel de chiffrement invalide (16 octets attendus)"
        case .invalidRecordSize(let size):
            return "Taille d'enregistrement invalide : \(size)"
        }
    }
}

/// Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188), as one record.
///
/// The body is `salt(16) || rs(4, big-endian) || idlen(1) = 65 || as_public(65)` followed by the AES-128-GCM
/// ciphertext of `plaintext || 0x02` and its 16-byte tag.
public enum WebPushEncryption {
    /// The header length: salt, record size, key id length, application server public key.
    public static let headerLength = 16 + 4 + 1 + 65
    /// The largest plaintext whose body fits in 4096 bytes (header, delimiter and tag included).
    public static let maxPlaintextLength = 4096 - headerLength - 1 - 16

    /// Encrypts `plaintext` for the user agent whose subscription keys are `userAgentPublicKey` and `authSecret`.
    ///
    /// - Parameters:
    ///   - serverKey: the application server's ephemeral ECDH key: a fresh one per message, except in tests.
    ///   - salt: 16 random bytes, fresh per message, except in tests.
    /// - Returns: the request body.
    public static func encrypt(
        plaintext: [UInt8], userAgentPublicKey: [UInt8], authSecret: [UInt8],
        serverKey: P256.KeyAgreement.PrivateKey = .init(), salt: [UInt8] = randomBytes(16), recordSize: UInt32 = 4096
    ) throws -> [UInt8] {
        let userAgentKey = try Self.userAgentKey(userAgentPublicKey)
        guard authSecret.count == 16 else { throw WebPushEncryptionError.invalidAuthSecret }
        guard salt.count == 16 else { throw WebPushEncryptionError.invalidSalt }
        guard plaintext.count <= maxPlaintextLength else {
            throw WebPushEncryptionError.payloadTooLarge(size: plaintext.count, limit: maxPlaintextLength)
        }
        // One record holds the plaintext, the delimiter and the tag.
        guard recordSize >= 18, UInt64(plaintext.count) + 17 <= UInt64(recordSize) else {
            throw WebPushEncryptionError.invalidRecordSize(recordSize)
        }
        let serverPublic = Array(serverKey.publicKey.x963Representation)
        let shared = try serverKey.sharedSecretFromKeyAgreement(with: userAgentKey)
        let keys = deriveKeys(
            sharedSecret: shared.withUnsafeBytes { Array($0) }, authSecret: authSecret, userAgentPublicKey: userAgentPublicKey,
            serverPublicKey: serverPublic, salt: salt)
        let sealed = try AES.GCM.seal(plaintext + [0x02], using: keys.contentKey, nonce: AES.GCM.Nonce(data: keys.nonce))
        var body: [UInt8] = []
        body.reserveCapacity(headerLength + plaintext.count + 17)
        body += salt
        body += [UInt8(truncatingIfNeeded: recordSize >> 24), UInt8(truncatingIfNeeded: recordSize >> 16)]
        body += [UInt8(truncatingIfNeeded: recordSize >> 8), UInt8(truncatingIfNeeded: recordSize)]
        body.append(UInt8(serverPublic.count))
        body += serverPublic
        body += sealed.ciphertext
        body += sealed.tag
        return body
    }

    /// The content encryption key and nonce of RFC 8291 §3.3-3.4 and RFC 8188 §2.2-2.3 (record 0).
    static func deriveKeys(
        sharedSecret: [UInt8], authSecret: [UInt8], userAgentPublicKey: [UInt8], serverPublicKey: [UInt8], salt: [UInt8]
    ) -> (contentKey: SymmetricKey, nonce: [UInt8]) {
        let keyPRK = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: sharedSecret), salt: authSecret)
        let keyInfo = Array("WebPush: info".utf8) + [0] + userAgentPublicKey + serverPublicKey
        let inputKey = HKDF<SHA256>.expand(pseudoRandomKey: keyPRK, info: keyInfo, outputByteCount: 32)
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: inputKey, salt: salt)
        let contentKey = HKDF<SHA256>.expand(
            pseudoRandomKey: prk, info: Array("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Array("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)
        return (contentKey, nonce.withUnsafeBytes { Array($0) })
    }

    /// The user agent's key from its 65-byte uncompressed encoding.
    ///
    /// - Throws: `WebPushEncryptionError.invalidUserAgentKey` for any other length, a compressed point or a point
    ///   off the curve.
    public static func userAgentKey(_ bytes: [UInt8]) throws -> P256.KeyAgreement.PublicKey {
        guard bytes.count == 65, bytes.first == 0x04,
            let key = try? P256.KeyAgreement.PublicKey(x963Representation: bytes)
        else { throw WebPushEncryptionError.invalidUserAgentKey }
        return key
    }

    /// `count` bytes from the system's secure random generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
