import Crypto
import Foundation

/// What the ops console (`/ops`) needs: its password, the key that signs its sessions and, on a hub, who the hub is.
public struct OpsSettings: Sendable {
    /// The environment variable that sets the password.
    public static let environmentVariable = "DJOBEA_OPS_PASSWORD"
    /// The file, in the data directory, that keeps a generated password.
    public static let fileName = "ops-password"

    public let password: String
    /// On a hub: its name and hub id from its enrolment (central knows every hub from its own rows).
    public let hubName: String?
    public let hubId: String?
    /// Signs session cookies. Random per process by default: sessions end when the node restarts, and a stolen
    /// cookie tells nothing about the password.
    let sessionKey: SymmetricKey
    /// On a hub: its own sync interval in seconds (`DJOBEA_SYNC_INTERVAL`); its link is shown late after two missed
    /// intervals. Central takes its expectation from `CentralServices.syncInterval`.
    public var syncInterval: TimeInterval = 10

    /// - Parameters:
    ///   - password: what the ops person types at `/ops/login`.
    ///   - hubName: on a hub, its name, shown on the page.
    ///   - hubId: on a hub, its hub id.
    ///   - sessionKey: signs session cookies (a fresh random key when nil).
    public init(password: String, hubName: String? = nil, hubId: String? = nil, sessionKey: SymmetricKey? = nil) {
        self.password = password
        self.hubName = hubName
        self.hubId = hubId
        self.sessionKey = sessionKey ?? SymmetricKey(size: .bits256)
    }

    /// The ops password: `DJOBEA_OPS_PASSWORD` when set, else the one kept in `<data>/ops-password` (mode 0600),
    /// generated at first start.
    ///
    /// - Returns: the password and the file it is kept in (nil when it comes from the environment).
    public static func password(dataDirectory: URL, environment: [String: String]) throws -> (value: String, file: String?) {
        if let given = environment[environmentVariable], !given.isEmpty {
            guard given.count >= 8 else { throw OpsSettingsError.tooShort }
            return (given, nil)
        }
        let file = dataDirectory.appendingPathComponent(fileName)
        if let stored = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !stored.isEmpty {
            return (stored, file.path)
        }
        let password = generatePassword()
        guard FileManager.default.createFile(atPath: file.path, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw OpsSettingsError.unwritable(file.path) }
        return (password, file.path)
    }

    /// Four groups of four characters without look-alikes (no 0/o, 1/l/i), easy to type on a phone: about 79 bits.
    static func generatePassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var random = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String((0..<4).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }) }
            .joined(separator: "-")
    }
}

/// Why the ops password could not be set up.
public enum OpsSettingsError: Error, Equatable, CustomStringConvertible {
    case tooShort
    case unwritable(String)

    public var description: String {
        switch self {
        case .tooShort: "DJOBEA_OPS_PASSWORD doit faire au moins 8 caractères."
        case .unwritable(let path): "Impossible d'écrire le mot de passe ops dans \(path)."
        }
    }
}
