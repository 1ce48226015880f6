import Crypto
import DjobeaGateway
import Foundation

/// Why a push body could not be decrypted.
public enum WebPushDecryptionError: Error, Equatable, CustomStringConvertible {
    case truncatedHeader
    case unexpectedKeyId(length: Int)
    case invalidServerKey
    case invalidRecordSize(UInt32)
    case recordTooLong(length: Int, recordSize: UInt32)
    case authenticationFailed
    case missingDelimiter

    public var description: String {
        switch self {
        case .truncatedHeader: return "En-tête aes128gcm tronqué"
        case .unexpectedKeyId(let length): return "keyid de \(length) octets (65 attendus)"
        case .invalidServerKey: return "Clé publique du serveur d'application invalide"
        case .invalidRecordSize(let size): return "Taille d'enregistrement invalide : \(size)"
        case .recordTooLong(let length, let size): return "Enregistrement de \(length) octets pour rs = \(size) (un seul attendu)"
        case .authenticationFailed: return "Déchiffrement AES-GCM refusé (clé, nonce ou tag faux)"
        case .missingDelimiter: return "Délimiteur de dernier enregistrement (0x02) absent"
        }
    }
}

/// The browser's side of a push subscription: its ECDH key pair and auth secret, and RFC 8291 decryption.
public struct WebPushTestClient: Sendable {
    public let privateKey: P256.KeyAgreement.PrivateKey
    public let authSecret: [UInt8]

    public init(privateKey: P256.KeyAgreement.PrivateKey = .init(), authSecret: [UInt8] = WebPushEncryption.randomBytes(16)) {
        self.privateKey = privateKey
        self.authSecret = authSecret
    }

    /// The uncompressed public key (65 bytes), as `p256dh`.
    public var publicKeyBytes: [UInt8] { Array(privateKey.publicKey.x963Representation) }

    /// What `PushSubscription.toJSON()` would give for `endpoint`.
    public func subscription(endpoint: String) -> PushSubscriptionInfo {
        PushSubscriptionInfo(endpoint: endpoint, p256dh: Base64URL.encode(publicKeyBytes), auth: Base64URL.encode(authSecret))
    }

    /// The plaintext of an `aes128gcm` push body (one record), written independently of the gateway's encryption.
    public func decrypt(body: [UInt8]) throws -> [UInt8] {
        guard body.count >= 21 else { throw WebPushDecryptionError.truncatedHeader }
        let salt = Array(body[0..<16])
        let recordSize = body[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let idLength = Int(body[20])
        guard idLength == 65 else { throw WebPushDecryptionError.unexpectedKeyId(length: idLength) }
        guard body.count >= 21 + idLength else { throw WebPushDecryptionError.truncatedHeader }
        let serverPublic = Array(body[21..<(21 + idLength)])
        let record = Array(body[(21 + idLength)...])
        guard recordSize >= 18 else { throw WebPushDecryptionError.invalidRecordSize(recordSize) }
        guard record.count >= 17, record.count <= Int(recordSize) else {
            throw WebPushDecryptionError.recordTooLong(length: record.count, recordSize: recordSize)
        }
        guard let serverKey = try? P256.KeyAgreement.PublicKey(x963Representation: serverPublic) else {
            throw WebPushDecryptionError.invalidServerKey
        }
        let shared = try privateKey.sharedSecretFromKeyAgreement(with: serverKey)
        // RFC 8291 §3.3-3.4.
        let keyPRK = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: shared.withUnsafeBytes { Array($0) }), salt: authSecret)
        let keyInfo = Array("WebPush: info\0".utf8) + publicKeyBytes + serverPublic
        let inputKey = HKDF<SHA256>.expand(pseudoRandomKey: keyPRK, info: keyInfo, outputByteCount: 32)
        // RFC 8188 §2.2-2.3: record 0, so the nonce is used as is.
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: inputKey, salt: salt)
        let contentKey = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Array("Content-Encoding: aes128gcm\0".utf8), outputByteCount: 16)
        let nonce = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Array("Content-Encoding: nonce\0".utf8), outputByteCount: 12)
        let opened: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: nonce.withUnsafeBytes { Array($0) }), ciphertext: record.dropLast(16), tag: record.suffix(16))
            opened = Array(try AES.GCM.open(box, using: contentKey))
        } catch {
            throw WebPushDecryptionError.authenticationFailed
        }
        // Padding: zeros after the delimiter, which is 0x02 for the last record.
        guard let delimiter = opened.lastIndex(where: { $0 != 0 }), opened[delimiter] == 0x02 else {
            throw WebPushDecryptionError.missingDelimiter
        }
        return Array(opened[..<delimiter])
    }
}
