import CBrotli
import CompressNIO
import Crypto
import Foundation
import NIOCore

/// One file of the PWA as the hub serves it: its bytes, their gzip and brotli forms (computed once) and their validators.
struct StaticAsset: Sendable {
    let contentType: String
    let cacheControl: String
    let body: ByteBuffer
    /// Nil when gzip would not shrink the file (PNG) or the file is tiny.
    let gzipped: ByteBuffer?
    /// Brotli at quality 11; nil when it would not shrink the file or the file is tiny.
    let brotli: ByteBuffer?
    /// Strong validators, one per representation (a strong ETag names exact bytes).
    let etag: String
    let gzipETag: String
    let brotliETag: String

    /// Content hash of the bytes, hex (the first 10 characters name hashed assets).
    let digest: String
    /// For an HTML page: its Content-Security-Policy, which allows its own inline scripts by hash and nothing else inline.
    let contentSecurityPolicy: String?

    static let compressionThreshold = 256

    init(data: Data, contentType: String, cacheControl: String) throws {
        self.contentType = contentType
        self.cacheControl = cacheControl
        body = ByteBuffer(bytes: data)
        digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let tag = String(digest.prefix(32))
        etag = "\"\(tag)\""
        gzipETag = "\"\(tag)-gz\""
        brotliETag = "\"\(tag)-br\""
        contentSecurityPolicy = contentType.hasPrefix("text/html") ? Self.contentSecurityPolicy(html: data) : nil
        if data.count >= Self.compressionThreshold, Self.compressible(contentType) {
            var buffer = ByteBuffer(bytes: data)
            let compressed = try buffer.compress(with: .gzip())
            gzipped = compressed.readableBytes < data.count ? compressed : nil
            brotli = Self.brotliCompress(data).flatMap { $0.count < data.count ? ByteBuffer(bytes: $0) : nil }
        } else {
            gzipped = nil
            brotli = nil
        }
    }

    /// `default-src 'self'`, inline styles, and each inline `<script>` of the page allowed by its SHA-256 (CSP level 2).
    static func contentSecurityPolicy(html: Data) -> String {
        let hashes = inlineScripts(in: String(decoding: html, as: UTF8.self)).map {
            "'sha256-\(Data(SHA256.hash(data: Data($0.utf8))).base64EncodedString())'"
        }
        return "default-src 'self'; script-src 'self'\(hashes.map { " " + $0 }.joined()); style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    }

    /// The bodies of the page's `<script>` elements without a `src` (exactly as written: the hash covers every byte).
    static func inlineScripts(in html: String) -> [String] {
        var scripts: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<script") {
            guard let tagEnd = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let attributes = rest[open.upperBound..<tagEnd]
            guard let close = rest[rest.index(after: tagEnd)...].range(of: "</script>") else { break }
            if !attributes.contains("src=") { scripts.append(String(rest[rest.index(after: tagEnd)..<close.lowerBound])) }
            rest = rest[close.upperBound...]
        }
        return scripts
    }

    /// `data` compressed by libbrotlienc at quality 11 (the best; done once per asset at startup), text mode, or nil
    /// when the encoder fails.
    static func brotliCompress(_ data: Data) -> Data? {
        var size = BrotliEncoderMaxCompressedSize(data.count)
        guard size > 0 else { return nil }
        var output = Data(count: size)
        let done = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in
                BrotliEncoderCompress(
                    BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.count, input.bindMemory(to: UInt8.self).baseAddress,
                    &size, out.bindMemory(to: UInt8.self).baseAddress)
            }
        }
        guard done == BROTLI_TRUE else { return nil }
        output.count = size
        return output
    }

    static func compressible(_ contentType: String) -> Bool {
        !contentType.hasPrefix("image/png") && !contentType.hasPrefix("image/jpeg") && !contentType.hasPrefix("image/webp")
            && !contentType.hasPrefix("font/woff2")
    }

    /// The Content-Type of a file by its extension; nil for files the hub does not serve (sources of tools, tests).
    static func contentType(ofExtension pathExtension: String) -> String? {
        switch pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json; charset=utf-8"
        case "webmanifest": "application/manifest+json; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: nil
        }
    }

    /// Whether the bytes are text whose references to other assets are rewritten.
    static func isText(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("application/json") || contentType.hasPrefix("application/manifest+json")
            || contentType.hasPrefix("image/svg+xml")
    }
}
