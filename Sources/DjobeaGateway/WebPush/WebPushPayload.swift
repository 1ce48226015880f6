import Foundation

/// Why a push payload could not be encoded.
public enum WebPushPayloadError: Error, Equatable, CustomStringConvertible {
    /// Even with an empty `body`, the JSON is longer than the limit.
    case tooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooLarge(let size, let limit):
            return "Notification push trop longue : \(size) octets sans le texte, \(limit) au plus"
        }
    }
}

/// What we push to a provider's browser, as JSON: the service worker shows `title` and `body` and opens `url`.
public struct WebPushPayload: Sendable, Equatable, Codable {
    /// The longest encoded JSON: well below the 3993 bytes one encrypted record can carry.
    public static let maxEncodedLength = 3000

    /// What happened, e.g. `new_request`, `request_cancelled`.
    public var kind: String
    public var title: String
    public var body: String
    /// The page to open, relative to the PWA.
    public var url: String
    public var requestId: String?
    /// Notifications with the same tag replace each other on the device.
    public var tag: String?

    enum CodingKeys: String, CodingKey {
        case kind, title, body, url, tag
        case requestId = "request_id"
    }

    public init(kind: String, title: String, body: String, url: String, requestId: String? = nil, tag: String? = nil) {
        self.kind = kind
        self.title = title
        self.body = body
        self.url = url
        self.requestId = requestId
        self.tag = tag
    }

    /// The JSON (sorted keys) of this payload, at most `maxEncodedLength` bytes: a `body` too long is cut and
    /// ends with "…".
    ///
    /// - Throws: `WebPushPayloadError.tooLarge` when the other fields alone are too long.
    public func encoded() throws -> [UInt8] {
        let full = try Self.json(self)
        if full.count <= Self.maxEncodedLength { return full }
        let characters = Array(body)
        var shortened = self
        shortened.body = ""
        let bare = try Self.json(shortened)
        guard bare.count <= Self.maxEncodedLength else {
            throw WebPushPayloadError.tooLarge(size: bare.count, limit: Self.maxEncodedLength)
        }
        // The longest prefix of `body` (followed by "…") that fits; the length only grows with the prefix.
        var best = bare
        var low = 0
        var high = characters.count - 1
        while low <= high {
            let middle = (low + high) / 2
            shortened.body = String(characters[..<middle]) + "…"
            let candidate = try Self.json(shortened)
            if candidate.count <= Self.maxEncodedLength {
                best = candidate
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return best
    }

    private static func json(_ payload: WebPushPayload) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(payload))
    }
}
