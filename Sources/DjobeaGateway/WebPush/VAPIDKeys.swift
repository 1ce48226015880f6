import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the VAPID key could not be loaded or used.
public enum VAPIDKeyError: Error, Equatable, CustomStringConvertible {
    /// The key file may be read by others than its owner.
    case keyFileTooOpen(path: String, mode: UInt32)
    /// The key file exists but is neither a P-256 private key in PEM nor 32 raw bytes.
    case unreadableKeyFile(path: String)
    /// The key file could not be written.
    case cannotCreateKeyFile(path: String)
    /// The `sub` claim is neither `mailto:` nor `https:`.
    case invalidSubject(String)
    /// The endpoint has no origin (`scheme://host[:port]`).
    case invalidEndpoint(String)
    /// The JWT validity is not in (0, 24 h].
    case invalidValidity(TimeInterval)

    public var description: String {
        switch self {
        case .keyFileTooOpen(let path, let mode):
            return "Fichier de clé VAPID trop ouvert : \(path) (mode \(String(mode, radix: 8)), 600 attendu)"
        case .unreadableKeyFile(let path):
            return "Fichier de clé VAPID illisible : \(path) (clé privée P-256 PEM ou 32 octets bruts attendus)"
        case .cannotCreateKeyFile(let path):
            return "Impossible de créer le fichier de clé VAPID : \(path)"
        case .invalidSubject(let subject):
            return "Contact VAPID invalide : « \(subject) » (mailto: ou https: attendu)"
        case .invalidEndpoint(let endpoint):
            return "Adresse d'abonnement push sans origine : « \(endpoint) »"
        case .invalidValidity(let validity):
            return "Durée de validité VAPID invalide : \(Int(validity)) s (24 h au plus)"
        }
    }
}

/// The application server's VAPID key pair (RFC 8292): an ECDSA P-256 key that signs a JWT for each push service.
public struct VAPIDKeys: Sendable {
    /// The longest JWT validity push services accept.
    public static let maxValidity: TimeInterval = 24 * 3600

    public let privateKey: P256.Signing.PrivateKey

    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// The public key as an uncompressed point (65 bytes).
    public var publicKeyBytes: [UInt8] { Array(privateKey.publicKey.x963Representation) }

    /// The public key as browsers take it for `applicationServerKey`: uncompressed point, base64url.
    public var publicKeyBase64URL: String { Base64URL.encode(publicKeyBytes) }

    /// `vapid t=<JWT>, k=<public key>` for a request to `endpoint`.
    ///
    /// The JWT is ES256 with the claims `aud` (the endpoint's origin), `exp` (`now + validity`) and `sub`.
    ///
    /// - Parameter subject: a contact for the push service operator: `mailto:…` or `https:…`.
    public func authorizationHeader(endpoint: String, subject: String, now: Date, validity: TimeInterval = 12 * 3600) throws -> String {
        guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else { throw VAPIDKeyError.invalidSubject(subject) }
        guard validity > 0, validity <= Self.maxValidity else { throw VAPIDKeyError.invalidValidity(validity) }
        guard let audience = Self.origin(of: endpoint) else { throw VAPIDKeyError.invalidEndpoint(endpoint) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let claims = Claims(aud: audience, exp: Int64((now.timeIntervalSince1970 + validity).rounded(.down)), sub: subject)
        let input = Base64URL.encode(#"{"typ":"JWT","alg":"ES256"}"#.utf8) + "." + Base64URL.encode(try encoder.encode(claims))
        let signature = try privateKey.signature(for: Data(input.utf8))
        return "vapid t=\(input).\(Base64URL.encode(signature.rawRepresentation)), k=\(publicKeyBase64URL)"
    }

    private struct Claims: Encodable {
        let aud: String
        let exp: Int64
        let sub: String
    }

    /// The ASCII origin of `url`: `scheme://host`, with `:port` when it is not the scheme's default; nil if `url`
    /// has no scheme or host.
    public static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let defaultPort = ["https": 443, "http": 80][scheme]
        if let port = components.port, port != defaultPort { return "\(scheme)://\(bracketed):\(port)" }
        return "\(scheme)://\(bracketed)"
    }

    // MARK: - Key file

    /// The key in the file at `path`, created once if there is none.
    ///
    /// The file holds the private key in PEM (as written here) or as 32 raw bytes; it must not be readable by others
    /// (mode 0600). A new file is written 0600 in a directory created 0700 if absent. Two processes racing to create it
    /// end up with the same key: the file is written under a temporary name, then linked into place.
    public static func loadOrCreate(at path: String) throws -> VAPIDKeys {
        if let keys = try load(at: path) { return keys }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.path) {
            try? FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let key = P256.Signing.PrivateKey()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(Base64URL.encode(WebPushEncryption.randomBytes(6)))")
        let bytes = Array(key.pemRepresentation.utf8) + [0x0A]
        let descriptor = open(temporary.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw VAPIDKeyError.cannotCreateKeyFile(path: path) }
        defer { unlink(temporary.path) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw VAPIDKeyError.cannotCreateKeyFile(path: path) }
        if link(temporary.path, path) != 0 && errno != EEXIST { throw VAPIDKeyError.cannotCreateKeyFile(path: path) }
        guard let keys = try load(at: path) else { throw VAPIDKeyError.unreadableKeyFile(path: path) }
        return keys
    }

    /// The key in the file at `path`, nil if there is no file.
    public static func load(at path: String) throws -> VAPIDKeys? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw VAPIDKeyError.unreadableKeyFile(path: path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw VAPIDKeyError.unreadableKeyFile(path: path) }
        guard info.st_mode & 0o077 == 0 else {
            throw VAPIDKeyError.keyFileTooOpen(path: path, mode: UInt32(info.st_mode & 0o777))
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw VAPIDKeyError.unreadableKeyFile(path: path) }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            guard let key = try? P256.Signing.PrivateKey(pemRepresentation: text) else {
                throw VAPIDKeyError.unreadableKeyFile(path: path)
            }
            return VAPIDKeys(privateKey: key)
        }
        guard data.count == 32, let key = try? P256.Signing.PrivateKey(rawRepresentation: data) else {
            throw VAPIDKeyError.unreadableKeyFile(path: path)
        }
        return VAPIDKeys(privateKey: key)
    }
}
