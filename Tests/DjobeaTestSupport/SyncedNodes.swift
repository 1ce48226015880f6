import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// Central and two hubs enrolled with it (Hub A in zone a, Hub B in zone b), each on its own storage under one
/// temporary directory, for the suites that sync over HTTP: central serves in-process (`application()`), the hubs
/// sync through `engine`. The caller removes `directory`.
public struct SyncedNodes: Sendable {
    /// Central's platform API key.
    public static let apiKey = "cle-de-test-plateforme"

    public let directory: URL
    public let centralStorage: NodeStorage
    public let hubAStorage: NodeStorage
    public let hubBStorage: NodeStorage
    public let enrolA: HubEnrolment
    public let enrolB: HubEnrolment
    /// Each node's photo blobs, in its data directory.
    public let centralBlobs: BlobStore
    public let blobsA: BlobStore
    public let blobsB: BlobStore

    public var central: NodeDatabase { centralStorage.database }
    public var hubA: NodeDatabase { hubAStorage.database }
    public var hubB: NodeDatabase { hubBStorage.database }

    /// Central with the service catalogue and both enrolments; the hubs' databases are empty.
    public static func make() async throws -> SyncedNodes {
        let directory = try temporaryDirectory("sync")
        let central = try NodeStorage.on(directory.appendingPathComponent("central"), role: .central)
        try await IntakeStore(central.database).seedReferenceData()
        let enrolA = try await central.database.enrolHub(name: "Hub A", zoneCodes: ["zone-a"])
        let enrolB = try await central.database.enrolHub(name: "Hub B", zoneCodes: ["zone-b"])
        let hubA = try NodeStorage.on(directory.appendingPathComponent("a"), role: .hub)
        let hubB = try NodeStorage.on(directory.appendingPathComponent("b"), role: .hub)
        return SyncedNodes(
            directory: directory, centralStorage: central, hubAStorage: hubA, hubBStorage: hubB, enrolA: enrolA, enrolB: enrolB,
            centralBlobs: try BlobStore(root: central.directory.blobsURL), blobsA: try BlobStore(root: hubA.directory.blobsURL),
            blobsB: try BlobStore(root: hubB.directory.blobsURL))
    }

    /// Central's node: the sync exchange and the platform API (to `apiKey`), nothing else unless given.
    ///
    /// - Parameters:
    ///   - photos: central takes and serves photo bytes (`centralBlobs`).
    ///   - syncInterval: the interval central expects of hubs (ops shows a hub late after two missed ones).
    ///   - ops: the ops console; without it central serves `/ops/sync-status` to the API key only.
    public func centralNode(photos: Bool = false, syncInterval: TimeInterval = 10, ops: OpsSettings? = nil) -> Node {
        let configuration = centralStorage.configuration()
        let logger = configuration.logger(role: .central)
        let sync = CentralSyncService(database: central, logger: logger, blobs: photos ? centralBlobs : nil)
        return Node(
            role: .central, configuration: configuration, storage: centralStorage, logger: logger, ops: OpsConsole(settings: ops),
            central: CentralServices(sync: sync, apiKey: Self.apiKey, syncInterval: syncInterval))
    }

    /// Central's application (`centralNode`), to run with `test(.live)`.
    public func application(photos: Bool = false) -> some ApplicationProtocol {
        centralNode(photos: photos).application()
    }

    /// A hub's sync engine with central over `link`, rows only, at the default interval.
    public static func engine(_ hub: NodeDatabase, _ link: CentralLink) -> SyncEngine {
        SyncEngine(database: hub, client: SyncClient(link: link, database: hub), logger: Logger(label: "test.hub"))
    }

    /// POSTs `body` to central with the API key; a creation's answer is read with `decode(CreatedId.self, response)`.
    public static func post(_ client: some TestClientProtocol, _ uri: String, _ body: [String: Any]) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: .post, headers: [.authorization: "Bearer \(apiKey)", .contentType: "application/json"],
            body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
    }

    /// The integer `sql` selects on `database` (a count).
    public static func count(_ database: NodeDatabase, _ sql: String, _ arguments: [String] = []) throws -> Int {
        try database.readBlocking { db in try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0 }
    }
}
