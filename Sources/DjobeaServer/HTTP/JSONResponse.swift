import CompressNIO
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Builds JSON answers the way a phone on 3G wants them: a strong ETag on every GET with a 304 when the
/// client already has it, and gzip when the client accepts it and the body is worth compressing.
public enum JSONResponse {
    /// Bodies smaller than this go uncompressed: gzip's header would eat the gain.
    static let compressionThreshold = 1024

    /// The API's key policy (`JSONCoding`).
    static let encoder = JSONCoding.encoder

    /// Encodes `value` and answers `request` with it.
    public static func make(_ value: some Encodable, for request: Request, status: HTTPResponse.Status = .ok) throws -> Response {
        try make(data: encoder.encode(value), for: request, status: status)
    }

    /// Answers with already-encoded JSON bytes.
    public static func make(
        data: Data, for request: Request, status: HTTPResponse.Status = .ok, contentType: String = "application/json; charset=utf-8"
    )
        throws -> Response
    {
        var headers: HTTPFields = [.contentType: contentType, .vary: "Accept-Encoding"]
        if request.method == .get || request.method == .head {
            let etag = strongETag(data)
            headers[.eTag] = etag
            headers[.cacheControl] = "private, no-cache"
            if let candidates = request.headers[.ifNoneMatch], matches(candidates, etag) {
                return Response(status: .notModified, headers: headers)
            }
        }
        var buffer = ByteBuffer(bytes: data)
        if data.count > compressionThreshold, acceptsGzip(request.headers[.acceptEncoding]) {
            buffer = try buffer.compress(with: .gzip())
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// Encodes once what a cache will serve many times: the validator and the gzip form are computed here.
    static func prepare(_ data: Data) throws -> PreparedJSON {
        var gzipped: ByteBuffer?
        if data.count > compressionThreshold {
            var buffer = ByteBuffer(bytes: data)
            gzipped = try buffer.compress(with: .gzip())
        }
        return PreparedJSON(data: data, etag: strongETag(data), gzipped: gzipped)
    }

    /// Answers a GET with a prepared body: 304 when the client has it, gzip when it accepts it.
    static func make(prepared: PreparedJSON, for request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/json; charset=utf-8", .vary: "Accept-Encoding", .eTag: prepared.etag,
            .cacheControl: "private, no-cache",
        ]
        if let candidates = request.headers[.ifNoneMatch], matches(candidates, prepared.etag) {
            return Response(status: .notModified, headers: headers)
        }
        if let gzipped = prepared.gzipped, acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: prepared.data)))
    }

    /// A strong validator: the first 16 bytes of the body's SHA-256, base64url.
    static func strongETag(_ data: Data) -> String {
        let digest = Data(SHA256.hash(data: data).prefix(16)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "\"\(digest)\""
    }

    /// RFC 9110 §13.1.2: `*` or any listed tag; weak comparison is allowed for If-None-Match.
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    /// Whether `Accept-Encoding` allows gzip (a `q=0` refuses it).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.lowercased().split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.first == "gzip" || pieces.first == "*" else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
        return false
    }
}

/// An encoded JSON body with its strong ETag and, when over the compression threshold, its gzip form.
struct PreparedJSON: Sendable {
    let data: Data
    let etag: String
    let gzipped: ByteBuffer?
}
