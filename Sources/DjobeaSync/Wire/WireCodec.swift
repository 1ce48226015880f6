import CompressNIO
import Foundation
import NIOCore

/// JSON + gzip, the body encoding of every sync message (SPEC.md §3.1).
public enum WireCodec {
    /// Largest body accepted after decompression (a push; SPEC.md §8).
    public static let maxDecodedBytes = 32 << 20
    /// Largest decompressed body of the small messages (an enrolment, a pull, a photo status): they hold a token, a
    /// cursor or at most 1 000 hashes, far below this, and must not make central inflate megabytes before any check.
    public static let maxSmallDecodedBytes = 256 << 10

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: try encoder.encode(value))
        let compressed = try buffer.compress(with: .gzip())
        return Array(compressed.readableBytesView)
    }

    /// Decodes a message, gzip'd or not.
    ///
    /// - Parameter maxBytes: the largest body accepted once decompressed; inflating stops as soon as the output
    ///   passes it (a gzip bomb costs at most this much memory), and the body is refused with `sync_malformed`
    ///   before any JSON is parsed.
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: [UInt8], gzip: Bool = true, maxBytes: Int = maxDecodedBytes
    ) throws(SyncError) -> T {
        var raw = bytes
        if gzip {
            var buffer = ByteBuffer(bytes: bytes)
            let inflated: ByteBuffer
            do {
                // One byte past the limit tells "exactly at the limit" from "over it".
                inflated = try buffer.decompress(with: .gzip(), maxSize: maxBytes + 1)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw .malformed("corps trop volumineux une fois décompressé (maximum \(maxBytes / 1024) Kio)")
            } catch {
                throw .malformed("corps gzip illisible")
            }
            guard inflated.readableBytes <= maxBytes else {
                throw .malformed("corps trop volumineux une fois décompressé (maximum \(maxBytes / 1024) Kio)")
            }
            raw = Array(inflated.readableBytesView)
        } else if raw.count > maxBytes {
            throw .malformed("corps trop volumineux (maximum \(maxBytes / 1024) Kio)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(raw))
        } catch {
            throw .malformed("JSON invalide (\(Self.summary(error)))")
        }
    }

    static func summary(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "illisible" }
        switch decoding {
        case .keyNotFound(let key, _): return "champ manquant : \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "champ "
                + (context.codingPath.map(\.stringValue).joined(separator: ".").isEmpty
                    ? "racine" : context.codingPath.map(\.stringValue).joined(separator: "."))
        @unknown default: return "illisible"
        }
    }
}
