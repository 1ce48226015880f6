import Crypto

/// Opaque refresh tokens and how they are stored.
enum RefreshToken {
    static let byteCount = 32

    static func make(_ random: any RandomSource) -> String {
        Base64URL.encode(random.bytes(byteCount))
    }

    /// The stored form: SHA-256 in lowercase hex. A stolen database gives no usable token.
    static func storedHash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }

    /// Whether `token` has the shape of one of ours (43 base64url characters); others are refused unread.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43
            && token.utf8.allSatisfy { byte in
                (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95
            }
    }
}
