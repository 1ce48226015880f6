import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// A hub whose request signature checked out.
public struct AuthenticatedHub: Sendable, Equatable {
    public let hubId: String
    public let nodeId: String
    public let name: String
}

/// Central's side of the protocol (SPEC.md §3, §7): enrolment, request authentication, serving a hub's feed,
/// taking in a hub's changes. HTTP-free: `DjobeaServer` maps it onto routes.
public final class CentralSyncService: Sendable {
    /// Central's storage as the sync core sees it (SQLite by default, PostgreSQL at scale).
    public let storage: any ReplicaStorage
    let logger: Logger
    /// Largest slice served per pull, in estimated bytes before compression.
    let maxSliceBytes: Int
    /// The photo lane (SPEC.md §6), when central has a blob store; without one the photo routes answer
    /// `503 sync_photo_unavailable`.
    public let photos: CentralPhotoService?
    /// Central's master key of client page links (SPEC.md 4.9): each hub's key derives from it and is given at
    /// enrolment; nil gives none (the hub then signs with a key of its own).
    public let clientPageMaster: String?
    /// The hubs' protocol versions served (SPEC.md §9.1): this build's and the one before, unless a test says otherwise.
    public let protocols: ServedProtocols

    /// Central on any storage (SQLite or PostgreSQL); `photos` is the photo lane, nil without one.
    public init(
        storage: any ReplicaStorage, logger: Logger, maxSliceBytes: Int = 512 * 1024, photos: CentralPhotoService? = nil,
        clientPageMaster: String? = nil, protocols: ServedProtocols = .thisBuild
    ) {
        self.storage = storage
        self.logger = logger
        self.maxSliceBytes = maxSliceBytes
        self.photos = photos
        self.clientPageMaster = clientPageMaster
        self.protocols = protocols
    }

    /// Central on its SQLite database, with the photo lane when given central's blob store (`<data>/blobs`).
    public convenience init(
        database: NodeDatabase, logger: Logger, maxSliceBytes: Int = 512 * 1024, blobs: BlobStore? = nil, protocols: ServedProtocols = .thisBuild
    ) {
        self.init(
            storage: database, logger: logger, maxSliceBytes: maxSliceBytes,
            photos: blobs.map { CentralPhotoService(storage: database, blobs: $0, logger: logger) }, protocols: protocols)
    }

    /// Admits a hub's protocol version (a message's `protocol`, a request's `Djobea-Protocol` header) or throws
    /// `sync_protocol_too_old` / `sync_protocol_too_new`; a refusal is logged with the hub the request claims to come
    /// from (`Djobea-Hub`, not yet authenticated), so that central's operators know which hub waits for an upgrade.
    public func admitProtocol(_ version: Int, claimedHub: String? = nil) throws {
        do {
            try protocols.admit(version)
        } catch let error as SyncError {
            logger.notice(
                "sync.protocol.refused",
                metadata: ["code": "\(error.code)", "protocol": "\(version)", "served": "\(protocols)", "hub": "\(claimedHub ?? "?")"])
            throw error
        }
    }

    public func enroll(_ request: EnrollRequest, now: Date = Date()) async throws -> EnrollResponse {
        try admitProtocol(request.protocolVersion)
        guard DjobeaID.isValid(request.nodeId), request.token.utf8.count <= 200 else {
            throw SyncError.malformed("jeton ou identifiant de nœud invalide")
        }
        guard let redeemed = try await storage.redeemEnrolment(token: request.token, nodeId: request.nodeId, now: now) else {
            throw SyncError.enrolmentInvalid
        }
        logger.notice("sync.hub.enrolled", metadata: ["hub": "\(redeemed.name)", "node": "\(request.nodeId)", "zones": "\(redeemed.zones)"])
        var answer = EnrollResponse(
            hubId: redeemed.hubId, hubName: redeemed.name, secret: redeemed.secret, centralNodeId: storage.nodeId, zones: redeemed.zones,
            clientPageKey: clientPageMaster.map { ClientPageLinks.hubKey(master: $0, hubId: redeemed.hubId) })
        answer.protocolVersion = request.protocolVersion  // answered in the hub's version
        return answer
    }

    /// Checks a signed request: known, unrevoked hub; valid HMAC; counter above every one seen (replay guard).
    public func authenticate(method: String, path: String, headers: [String: String], body: some DataProtocol) async throws -> AuthenticatedHub {
        func header(_ name: String) -> String? { headers[name.lowercased()] }
        guard let hubId = header(SyncSignature.Header.hub), DjobeaID.isValid(hubId) else {
            throw SyncError.unauthenticated("en-tête Djobea-Hub absent")
        }
        guard let counter = header(SyncSignature.Header.counter).flatMap(Int64.init), counter > 0,
            let time = header(SyncSignature.Header.time).flatMap(Int64.init),
            let signature = header(SyncSignature.Header.signature)
        else { throw SyncError.unauthenticated("compteur, heure ou signature absents") }
        guard let credential = try await storage.hubCredential(hubId: hubId) else { throw SyncError.unauthenticated("hub inconnu") }
        guard
            SyncSignature.isValid(
                signature, secret: credential.secret, method: method, path: path, hubId: hubId, counter: counter, time: time, body: body)
        else { throw SyncError.unauthenticated("signature invalide") }
        guard !credential.revoked else { throw SyncError.revoked }
        guard try await storage.advanceHubCounter(hubId: hubId, to: counter) else { throw SyncError.replayed }
        let name = try await storage.peerLink(nodeId: credential.nodeId)?.name ?? hubId
        return AuthenticatedHub(hubId: hubId, nodeId: credential.nodeId, name: name)
    }

    public func pull(_ request: PullRequest, from hub: AuthenticatedHub, hubTime: Int64?, wireBytes: Int, now: Date = Date()) async throws
        -> PullResponse
    {
        try admitProtocol(request.protocolVersion)
        guard request.cursor >= 0, (1024...(8 << 20)).contains(request.maxBytes) else {
            throw SyncError.malformed("curseur ou taille de lot invalides")
        }
        // Held changes (stamped too far ahead, SPEC.md §2.2) that came within the bound take effect before the feed is read.
        try await storage.releaseHeldChanges(centralNodeId: storage.nodeId, now: now)
        let fingerprint = try await storage.partitionFingerprint(hubId: hub.hubId)
        // The hub built its cursor under another partition (or never said): feed it again from the start. The hub
        // stores the new fingerprint with the slice it applies, so a lost answer is simply asked for again.
        let cursor = request.partition == fingerprint ? request.cursor : 0
        let slice = try await storage.hubFeed(
            hubId: hub.hubId, excludingOrigin: hub.nodeId, after: cursor, maxBytes: min(request.maxBytes, maxSliceBytes))
        let acknowledged = try await storage.versionVector()[hub.nodeId] ?? 0
        let offset = hubTime.map { $0 - now.unixMillis }
        var oldest: String?
        if let reported = request.oldestPendingAt, UTCTimestamp.parse(reported) != nil { oldest = reported }
        try await storage.updatePeer(
            nodeId: hub.nodeId, role: .hub, name: hub.name,
            [
                .hubId(hub.hubId), .peerCursor(slice.through), .partitionFingerprint(fingerprint), .lastSeenAt(UTCTimestamp.format(now)),
                .succeeded(at: UTCTimestamp.format(now)), .clockOffsetMs(offset), .protocolVersion(request.protocolVersion),
                .schemaVersion(request.schemaVersion),
                .backlog(pending: request.pendingOut, oldestAt: oldest, photoBytes: Int64(max(0, request.photoBacklogBytes))),
                .bytesIn(Int64(wireBytes)), .changesOut(Int64(slice.changes.count)),
            ])
        // A provider moved away from this hub: once the hub has applied the move with nothing pending, the numbering of
        // their documents passes to their new hub (SPEC.md 4.8).
        let handedOver = try await storage.settleNumberingHandovers(
            hubId: hub.hubId, cursor: request.cursor, pendingOut: request.pendingOut, now: now)
        if handedOver > 0 { logger.notice("sync.numbering.handed_over", metadata: ["hub": "\(hub.name)", "providers": "\(handedOver)"]) }
        var answer = PullResponse(
            batch: WireBatch(slice.changes), through: slice.through, more: slice.more, acknowledged: acknowledged, serverTime: now.unixMillis,
            partition: fingerprint)
        answer.protocolVersion = request.protocolVersion
        let moves = try await storage.partitionLeaves(hubId: hub.hubId, after: max(0, request.movesSeen ?? 0))
        if moves.head != (request.movesSeen ?? 0) {
            answer.movesHead = moves.head
            if !moves.left.isEmpty { answer.left = moves.left }
            if !moves.back.isEmpty { answer.back = moves.back }
        }
        return answer
    }

    public func push(_ request: PushRequest, from hub: AuthenticatedHub, wireBytes: Int, now: Date = Date()) async throws -> PushResponse {
        try admitProtocol(request.protocolVersion)
        let changes = try request.batch.rowChanges()
        guard changes.count <= 20_000 else { throw SyncError.tooLarge }
        do {
            let (summary, acknowledged) = try await storage.applyFromHub(
                changes, hubId: hub.hubId, hubNodeId: hub.nodeId, hubName: hub.name, wireBytes: wireBytes, now: now)
            if summary.conflicts > 0 {
                logger.notice("sync.push.conflicts", metadata: ["hub": "\(hub.name)", "conflicts": "\(summary.conflicts)"])
            }
            var answer = PushResponse(
                applied: summary.applied, duplicates: summary.duplicates, conflicts: summary.conflicts, acknowledged: acknowledged,
                serverTime: now.unixMillis)
            answer.protocolVersion = request.protocolVersion
            return answer
        } catch let error as ReplicaError {
            switch error {
            case .outOfPartition(let table, let key): throw SyncError.outOfPartition("\(table) \(key)")
            case .sequenceGap(let expected, let got): throw SyncError.gap(expected: expected, got: got)
            case .corrupt: throw SyncError.malformed(error.description)
            }
        } catch let error as ReplicatedRowError {
            // A row the folds cannot read (a mission event or ledger entry missing a column): the batch is refused.
            throw SyncError.malformed(String(describing: error))
        } catch let error as StoreError {
            throw SyncError.malformed(error.description)
        }
    }
}
