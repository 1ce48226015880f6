import CompressNIO
import Foundation
import NIOCore

/// JSON + gzip, the body encoding of every sync message (SPEC.md §3.1).
public enum WireCodec {
    /// Largest body accepted after decompression.
    public static let maxDecodedBytes = 32 << 20

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

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], gzip: Bool = true) throws(SyncError) -> T {
        var raw = bytes
        if gzip {
            var buffer = ByteBuffer(bytes: bytes)
            guard let inflated = try? buffer.decompress(with: .gzip(), maxSize: maxDecodedBytes) else {
                throw .malformed("corps gzip illisible ou trop volumineux")
            }
            raw = Array(inflated.readableBytesView)
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
