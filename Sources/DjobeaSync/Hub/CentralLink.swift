import Foundation

/// A hub's long-lived credential with central, kept in `<data dir>/central-link.json` (mode 0600) after enrolment.
public struct CentralLink: Codable, Sendable, Equatable {
    public var centralURL: String
    public var hubId: String
    public var hubName: String
    public var secret: String
    public var centralNodeId: String
    public var zones: [String]
    /// The key the hub signs its client page links with (from the enrolment; nil from an older central).
    public var clientPageKey: String?

    public static let fileName = "central-link.json"

    enum CodingKeys: String, CodingKey {
        case centralURL = "central_url", hubId = "hub_id", hubName = "hub_name", secret, centralNodeId = "central_node_id", zones
        case clientPageKey = "client_page_key"
    }

    public init(centralURL: String, enrolment: EnrollResponse) {
        self.centralURL = centralURL
        hubId = enrolment.hubId
        hubName = enrolment.hubName
        secret = enrolment.secret
        centralNodeId = enrolment.centralNodeId
        zones = enrolment.zones
        clientPageKey = enrolment.clientPageKey
    }

    public static func load(from dataDirectory: URL) throws -> CentralLink? {
        let file = dataDirectory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return try JSONDecoder().decode(CentralLink.self, from: Data(contentsOf: file))
    }

    public func save(to dataDirectory: URL) throws {
        let file = dataDirectory.appendingPathComponent(Self.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let temporary = dataDirectory.appendingPathComponent(Self.fileName + ".tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600])
        else { throw CentralLinkSaveError(path: temporary.path) }
        guard rename(temporary.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
    }
}

/// The hub's credential could not be written; `description` is the French line the operator sees.
public struct CentralLinkSaveError: Error, CustomStringConvertible {
    public let path: String

    public var description: String {
        "Impossible d'écrire les identifiants du hub auprès du central dans \(path) : vérifiez les droits et l'espace libre du répertoire de données."
    }
}
