import AsyncHTTPClient
import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// What one pass of the photo lane moved.
public struct PhotoLaneReport: Sendable, Equatable {
    /// Blobs central completed from this hub's uploads.
    public var uploaded = 0
    /// Blobs fetched from central, verified and stored.
    public var downloaded = 0
    /// Chunk bytes sent and received (bodies only).
    public var bytesSent = 0
    public var bytesReceived = 0
    /// Chunk requests, up and down.
    public var chunks = 0
    /// Chunks sent in vain: central already had those bytes and answered `409` with its offset.
    public var resends = 0
    /// Blobs given up for this pass (hash mismatch, incoherent answer); retried later.
    public var failed = 0
    /// The pass stopped early: a row round is due, or the chunk limit was reached.
    public var stopped = false

    public init() {}
}

/// The hub's photo byte lane (SPEC.md §6): uploads, chunk by chunk, the blobs referred to by rows this hub made that
/// central lacks (asking `status` first, following `409` offsets), then downloads the blobs referred to by rows of its
/// partition that it lacks, resuming at its own partial file (`<blobs>/partial/<sha256>`) and verifying the SHA-256
/// before storing. It runs only when the row sync is idle and stops between two chunks as soon as a round is due.
public actor PhotoLane {
    let database: NodeDatabase
    let client: SyncClient
    public let blobs: BlobStore
    let partials: PartialBlobs
    let logger: Logger
    /// Hashes central is known to hold (from `status` or a completed upload), for this process's life.
    private var atCentral: Set<String> = []
    /// Bytes central is known to hold of an incomplete upload.
    private var uploadedPrefix: [String: Int64] = [:]
    /// Hashes known to be in the local store.
    private var present: Set<String> = []
    /// Hashes not to try before a time: unknown at central yet, refused, or failed.
    private var notBefore: [String: ContinuousClock.Instant] = [:]
    static let retryLater: Duration = .seconds(300)

    public init(database: NodeDatabase, client: SyncClient, blobs: BlobStore, logger: Logger) {
        self.database = database
        self.client = client
        self.blobs = blobs
        self.partials = PartialBlobs(blobs: blobs)
        self.logger = logger
    }

    struct Pass {
        var report = PhotoLaneReport()
        let maxChunks: Int?
        let shouldStop: @Sendable () async -> Bool

        /// Whether another chunk may go: below the chunk limit and no round due.
        mutating func proceed() async -> Bool {
            if let maxChunks, report.chunks >= maxChunks {
                report.stopped = true
                return false
            }
            if await shouldStop() {
                report.stopped = true
                return false
            }
            return true
        }
    }

    /// Bytes of the blobs this hub still has to upload (for `photo_backlog_bytes`, SPEC.md §3.3): those of its own
    /// rows that central is not known to hold, less what central already has of incomplete uploads.
    public func backlogBytes() async throws -> Int64 {
        var total: Int64 = 0
        for reference in try await database.ownPhotoReferences() where !atCentral.contains(reference.sha256) {
            guard blobs.contains(reference.sha256) else { continue }
            let size = reference.bytes ?? PartialBlobs.fileSize(blobs.url(for: reference.sha256)) ?? 0
            total += max(0, size - (uploadedPrefix[reference.sha256] ?? 0))
        }
        return total
    }

    /// One full pass, uploads then downloads, for tools and benchmarks: stops only after `maxChunks` chunk requests.
    public func syncPhotosOnce(maxChunks: Int? = nil) async throws -> PhotoLaneReport {
        var pass = Pass(maxChunks: maxChunks, shouldStop: { Task.isCancelled })
        try await uploads(&pass)
        if !pass.report.stopped { try await downloads(&pass) }
        return pass.report
    }

    /// Uploads one blob, from `offset` (as if the hub believed central held that much) or, when nil, from the offset
    /// `status` gives. For tests and tools.
    public func uploadBlob(_ sha256: String, from offset: Int64? = nil, maxChunks: Int? = nil) async throws -> PhotoLaneReport {
        var pass = Pass(maxChunks: maxChunks, shouldStop: { Task.isCancelled })
        var start = offset
        if start == nil {
            let status = try await client.photoStatus([sha256])
            if status.have.contains(sha256) {
                atCentral.insert(sha256)
                return pass.report
            }
            start = status.partial[sha256] ?? 0
        }
        try await upload(sha256, from: start ?? 0, &pass)
        return pass.report
    }

    /// The engine's call after an idle round: runs until done, until `deadline`, or until a local change is made (a
    /// round is then due). Never throws: a failure is logged and retried at the next idle moment (SPEC.md §6.1).
    public func runWhileIdle(until deadline: ContinuousClock.Instant) async -> PhotoLaneReport {
        let database = self.database
        let head = (try? await database.ownChangeHead()) ?? 0
        var pass = Pass(maxChunks: nil) {
            if Task.isCancelled || ContinuousClock.now >= deadline { return true }
            return ((try? await database.ownChangeHead()) ?? head) != head
        }
        do {
            try await uploads(&pass)
            if !pass.report.stopped { try await downloads(&pass) }
        } catch {
            logger.warning("sync.photos.failed", metadata: ["error": "\(error)"])
        }
        let report = pass.report
        if report.uploaded + report.downloaded + report.failed > 0 {
            logger.info(
                "sync.photos", metadata: ["uploaded": "\(report.uploaded)", "downloaded": "\(report.downloaded)", "failed": "\(report.failed)"])
        }
        return report
    }

    private func due(_ sha256: String) -> Bool {
        guard let instant = notBefore[sha256] else { return true }
        if instant <= ContinuousClock.now {
            notBefore[sha256] = nil
            return true
        }
        return false
    }

    private func uploads(_ pass: inout Pass) async throws {
        let candidates = try await database.ownPhotoReferences().map(\.sha256).filter {
            !atCentral.contains($0) && due($0) && blobs.contains($0)
        }
        var index = 0
        while index < candidates.count {
            let batch = Array(candidates[index..<min(index + PhotoLaneLimits.maxStatusHashes, candidates.count)])
            index += batch.count
            if await pass.shouldStop() {
                pass.report.stopped = true
                return
            }
            let status = try await client.photoStatus(batch)
            atCentral.formUnion(status.have)
            for hash in batch where !atCentral.contains(hash) {
                try await upload(hash, from: status.partial[hash] ?? 0, &pass)
                if pass.report.stopped { return }
            }
        }
    }

    private func upload(_ sha256: String, from start: Int64, _ pass: inout Pass) async throws {
        let file = blobs.url(for: sha256)
        guard let size = PartialBlobs.fileSize(file), size > 0, size <= PhotoLaneLimits.maxPhotoBytes else {
            notBefore[sha256] = ContinuousClock.now + Self.retryLater
            return
        }
        var offset = min(max(0, start), size)
        var conflicts = 0
        while offset < size {
            guard await pass.proceed() else { return }
            let chunk = try PartialBlobs.readRange(of: file, offset: offset, count: PhotoLaneLimits.chunkBytes)
            guard !chunk.isEmpty else { break }
            pass.report.chunks += 1
            pass.report.bytesSent += chunk.count
            do {
                let answer = try await client.putPhoto(sha256: sha256, offset: offset, size: size, chunk: chunk)
                if answer.complete {
                    atCentral.insert(sha256)
                    uploadedPrefix[sha256] = nil
                    pass.report.uploaded += 1
                    return
                }
                guard answer.offset > offset, answer.offset < size else { break }
                offset = answer.offset
                uploadedPrefix[sha256] = offset
            } catch SyncError.photoOffset(let at) {
                // Central holds another length (an answer lost, a cut): resume where it is.
                pass.report.resends += 1
                conflicts += 1
                guard conflicts <= 3, at >= 0, at < size else { break }
                offset = at
                uploadedPrefix[sha256] = offset
            } catch SyncError.photoHashMismatch {
                logger.error("sync.photo.upload_mismatch", metadata: ["sha256": "\(sha256)"])
                uploadedPrefix[sha256] = nil
                break
            } catch let error as SyncError where [403, 413].contains(error.status) {
                // The row has not reached central yet, or the blob is not this hub's to send: later.
                logger.notice("sync.photo.upload_refused", metadata: ["sha256": "\(sha256)", "error": "\(error.code)"])
                notBefore[sha256] = ContinuousClock.now + Self.retryLater
                return
            }
        }
        if !atCentral.contains(sha256) {
            pass.report.failed += 1
            notBefore[sha256] = ContinuousClock.now + Self.retryLater
        }
    }

    private func downloads(_ pass: inout Pass) async throws {
        for reference in try await database.partitionPhotoReferences() {
            let hash = reference.sha256
            if present.contains(hash) || !due(hash) { continue }
            if blobs.contains(hash) {
                present.insert(hash)
                continue
            }
            try await download(hash, &pass)
            if pass.report.stopped { return }
        }
    }

    private func download(_ sha256: String, _ pass: inout Pass) async throws {
        var offset = partials.length(of: sha256) ?? 0
        var size = partials.announcedSize(of: sha256)
        while size.map({ offset < $0 }) ?? true {
            guard await pass.proceed() else { return }
            let chunk: PhotoChunk
            do {
                chunk = try await client.getPhoto(sha256: sha256, offset: offset)
            } catch let error as SyncError where [400, 404].contains(error.status) {
                // Not uploaded by its hub yet (404), or a local partial central does not agree with (400): later.
                if error.status == 400 { partials.remove(sha256) }
                notBefore[sha256] = ContinuousClock.now + Self.retryLater
                return
            }
            pass.report.chunks += 1
            pass.report.bytesReceived += chunk.bytes.count
            guard chunk.offset == offset, !chunk.bytes.isEmpty, chunk.size <= PhotoLaneLimits.maxPhotoBytes,
                offset + Int64(chunk.bytes.count) <= chunk.size, size.map({ $0 == chunk.size }) ?? true
            else {
                partials.remove(sha256)
                pass.report.failed += 1
                notBefore[sha256] = ContinuousClock.now + Self.retryLater
                return
            }
            if size == nil {
                try partials.announce(size: chunk.size, for: sha256)
                size = chunk.size
            }
            try partials.write(chunk.bytes, at: offset, for: sha256)
            offset += Int64(chunk.bytes.count)
        }
        let (matched, leading) = try partials.complete(sha256, into: blobs)
        guard matched else {
            // Reported to ops through the log; the next attempt starts from 0.
            logger.error("sync.photo.download_mismatch", metadata: ["sha256": "\(sha256)"])
            pass.report.failed += 1
            notBefore[sha256] = ContinuousClock.now + Self.retryLater
            return
        }
        try await database.recordReceivedBlob(sha256: sha256, bytes: size ?? offset, sniffedMime: PartialBlobs.sniffMime(leading))
        present.insert(sha256)
        pass.report.downloaded += 1
    }
}

/// The photo requests of SPEC.md §6, signed like every sync request (7.3: the path without its query).
extension SyncClient {
    public func photoStatus(_ hashes: [String]) async throws -> PhotoStatusResponse {
        do {
            var message = PhotoStatusRequest(hashes: hashes)
            message.protocolVersion = protocolVersion
            let (answer, _): (PhotoStatusResponse, Int) = try await post("/sync/v1/photos/status", message)
            return answer
        } catch SyncError.server(_, "sync_photo_unavailable", _) {
            throw SyncError.photoUnavailable
        }
    }

    /// `PUT /sync/v1/photos/{sha256}?offset=N`: one raw chunk of a blob of `size` bytes.
    public func putPhoto(sha256: String, offset: Int64, size: Int64, chunk: [UInt8]) async throws -> PhotoUploadResponse {
        let (_, raw) = try await signedRaw(
            method: .PUT, path: "/sync/v1/photos/\(sha256)", query: "offset=\(offset)", body: chunk,
            headers: [("Content-Type", "application/octet-stream"), (PhotoLaneLimits.sizeHeader, String(size))])
        return try WireCodec.decode(PhotoUploadResponse.self, from: raw, gzip: raw.starts(with: [0x1f, 0x8b]))
    }

    /// `GET /sync/v1/photos/{sha256}?offset=N`: one chunk of a blob of the hub's partition.
    public func getPhoto(sha256: String, offset: Int64) async throws -> PhotoChunk {
        let (headers, raw) = try await signedRaw(
            method: .GET, path: "/sync/v1/photos/\(sha256)", query: "offset=\(offset)", body: [], headers: [])
        guard let size = PhotoLaneLimits.parseCount(headers.first(name: PhotoLaneLimits.sizeHeader)),
            let given = PhotoLaneLimits.parseCount(headers.first(name: PhotoLaneLimits.offsetHeader))
        else { throw SyncError.malformed("en-têtes de taille ou de décalage absents") }
        return PhotoChunk(bytes: raw, offset: given, size: size)
    }

    /// A signed request with a raw body; answers its headers and raw body, or throws the `SyncError` of a refusal.
    func signedRaw(method: HTTPMethod, path: String, query: String, body: [UInt8], headers extra: [(String, String)]) async throws -> (
        HTTPHeaders, [UInt8]
    ) {
        let counter = try await database.nextRequestCounter(peer: link.centralNodeId, role: .central, name: "central")
        let time = Date().unixMillis
        let signature = SyncSignature.sign(
            secret: link.secret, method: method.rawValue, path: path, hubId: link.hubId, counter: counter, time: time, body: body)
        var request = HTTPClientRequest(url: Self.url(link.centralURL, path) + "?" + query)
        request.method = method
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: SyncSignature.Header.protocolVersion, value: String(protocolVersion))
        request.headers.add(name: SyncSignature.Header.hub, value: link.hubId)
        request.headers.add(name: SyncSignature.Header.counter, value: String(counter))
        request.headers.add(name: SyncSignature.Header.time, value: String(time))
        request.headers.add(name: SyncSignature.Header.signature, value: signature)
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: WireCodec.maxDecodedBytes)
        } catch {
            throw SyncError.unreachable(String(describing: error).prefix(200).description)
        }
        let raw = Array(bytes.readableBytesView)
        guard response.status == .ok else {
            let status = Int(response.status.code)
            guard let decoded = try? WireCodec.decode(PhotoErrorBody.self, from: raw, gzip: raw.starts(with: [0x1f, 0x8b])) else {
                throw SyncError.server(status, "sync_http_\(status)", "Réponse HTTP \(status) du central.")
            }
            switch decoded.error.code {
            case "sync_photo_offset":
                if let offset = PhotoLaneLimits.parseCount(response.headers.first(name: PhotoLaneLimits.offsetHeader)) ?? decoded.error.offset {
                    throw SyncError.photoOffset(offset)
                }
            case "sync_photo_hash_mismatch": throw SyncError.photoHashMismatch
            case "sync_photo_unknown": throw SyncError.photoUnknown
            case "sync_photo_unavailable": throw SyncError.photoUnavailable
            default: break
            }
            throw SyncError.server(status, decoded.error.code, decoded.error.message)
        }
        return (response.headers, raw)
    }
}

/// The error object of SPEC.md §8, with the photo lane's `offset` (6.3).
struct PhotoErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
        let offset: Int64?
    }
    let error: Detail
}
