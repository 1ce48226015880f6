import DjobeaDomain
import Foundation

/// The photo lane's questions to storage (SPEC.md §6), over the seam: which hub may move which blob, and which blobs a
/// node holds.
extension ReplicaStorage {
    /// Central: whether a row of `hubId`'s partition refers to `sha256` (`photos.sha256`, `photos.thumb_sha256`,
    /// `providers.photo_sha256`), judged against central's current rows.
    public func isPhotoReferenced(_ sha256: String, inPartitionOf hubId: String) async throws -> Bool {
        try await replicaRead { connection in
            let partition = try HubPartition(hubId: hubId, connection: connection)
            let photos = try connection.query(
                "SELECT id, request_id, provider_id FROM photos WHERE sha256 = ? OR thumb_sha256 = ?", [.text(sha256), .text(sha256)])
            for photo in photos {
                guard let id = photo["id"].textValue else { continue }
                if try partition.contains(table: SyncedTable.photos.rawValue, key: id) { return true }
                // A photo with no request (a profile picture) belongs with its provider.
                if photo["request_id"] == .null, let provider = photo["provider_id"].textValue, try partition.containsProvider(provider) {
                    return true
                }
            }
            for provider in try connection.query("SELECT id FROM providers WHERE photo_sha256 = ?", [.text(sha256)]) {
                if let id = provider["id"].textValue, try partition.containsProvider(id) { return true }
            }
            return false
        }
    }

    /// Records that this node now holds the blob `sha256` (`blobs`), its type from a photo row that names it, else
    /// `sniffedMime` (read from the blob's first bytes by the caller). Recording it twice changes nothing.
    public func recordReceivedBlob(sha256: String, bytes: Int64, sniffedMime: String, now: Date = Date()) async throws {
        try await bookkeepingWrite { connection in
            let mime = try connection.scalar("SELECT mime FROM photos WHERE sha256 = ? LIMIT 1", [.text(sha256)])?.textValue ?? sniffedMime
            _ = try connection.execute(
                "INSERT INTO blobs (sha256, bytes, mime, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                [.text(sha256), .integer(bytes), .text(mime), .text(UTCTimestamp.format(now))])
        }
    }
}
