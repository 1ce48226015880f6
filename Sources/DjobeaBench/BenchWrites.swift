import DjobeaDomain
import DjobeaStore
import Foundation

/// `djobea-bench bench-writes`: hub-side writes for the sync benchmark (`scripts/bench-sync-3g.sh`).
///
/// - `messages`: `--count` provider messages on the hub's requests (one change each), in transactions of 500;
/// - `status`: one mission-status change (an accept) on each of `--count` offered requests, in one transaction;
/// - `photo`: one photo of `--count` KB on an offered request, its bytes in the hub's blob store.
/// Opens the database without the directory lock: the hub keeps running and syncs what is written.
enum BenchWrites {
    static func run(data: String, kind: String, count: Int) async throws {
        let path = URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("djobea.sqlite").path
        let database = try NodeDatabase.open(path: path, role: .hub)
        switch kind {
        case "messages":
            let targets = try await OfferTarget.any(limit: 200, in: database)
            guard !targets.isEmpty else { throw BenchFailure("Aucune offre sur ce hub : rien à quoi rattacher des messages.") }
            var written = 0
            while written < count {
                let batch = min(500, count - written)
                let start = written
                try await database.write { tx in
                    for index in start..<(start + batch) {
                        let target = targets[index % targets.count]
                        try tx.insert(
                            MessageRecord(
                                id: DjobeaID.v7(now: tx.now), requestId: target.requestId, providerId: target.providerId,
                                clientId: target.clientId, direction: .outgoing, channel: .whatsapp, templateCode: "arrive_15min",
                                body: "J'arrive dans 15 minutes", sentAt: UTCTimestamp.format(tx.now), deliveryStatus: .sent, essential: true))
                    }
                }
                written += batch
            }
            printLine("\(written) messages écrits")
        case "status":
            let offers = try await OfferTarget.open(limit: count, in: database)
            guard offers.count == count else { throw BenchFailure("Seulement \(offers.count) offres ouvertes (il en faut \(count)).") }
            try await database.write(durability: .critical) { tx in
                for offer in offers {
                    _ = try tx.appendMissionEvent(
                        requestId: offer.requestId, kind: .accepted, actorRole: .provider, actorId: offer.providerId, providerId: offer.providerId)
                }
            }
            printLine("\(offers.count) changements de statut écrits")
        case "photo":
            // One `after` photo of `--count` KB of incompressible bytes (a JPEG is), on the first offered request.
            let target = try await OfferTarget.any(limit: 1, in: database).first
            guard let target else { throw BenchFailure("Aucune offre sur ce hub pour y rattacher une photo.") }
            var generator = SystemRandomNumberGenerator()
            var bytes = Data([0xFF, 0xD8, 0xFF, 0xE0])
            bytes += Data((0..<(count * 1024 - 4)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let blobs = try BlobStore(root: URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("blobs", isDirectory: true))
            let (sha256, _) = try blobs.put(bytes)
            let size = bytes.count
            _ = try await database.write { tx in
                let now = UTCTimestamp.format(tx.now)
                try tx.insert(
                    PhotoRecord(
                        id: DjobeaID.v7(now: tx.now), requestId: target.requestId, providerId: target.providerId, kind: .after,
                        sha256: sha256, mime: "image/jpeg", bytes: Int64(size), width: 1280, height: 960, takenAt: now, createdAt: now))
            }
            printLine("photo \(sha256) de \(size) o")
        default:
            throw BenchFailure("--kind messages, status ou photo")
        }
    }
}
