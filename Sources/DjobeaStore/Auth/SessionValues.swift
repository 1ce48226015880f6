import Foundation

/// A row of `provider_sessions`: one refresh token of a login's family.
public struct StoredSession: Sendable {
    public let id: String
    public let providerId: String
    public let familyId: String
    public let expiresAt: Date
    public let revoked: Bool
    /// Whether a refresh rotated this row (a new row replaced it).
    public let replaced: Bool
    public let userAgent: String?
}

/// The live row behind an access token, with what authentication needs.
public struct LiveSession: Sendable {
    public let id: String
    public let lastActivity: Date
    public let accountActive: Bool
    public let movedToHub: String?
}

/// A session to open: made by DjobeaAuth (ids, token, expiry), stored by the Store in the transaction that decides it.
public struct NewSession: Sendable {
    public let id: String
    public let providerId: String
    /// The family it joins: its own id for a login, the rotated row's family for a refresh.
    public let familyId: String
    /// The plain refresh token, handed back to the caller; never stored.
    public let refreshToken: String
    /// What the row keeps instead of the token.
    public let tokenHash: String
    public let userAgent: String?
    public let expiresAt: Date

    public init(
        id: String, providerId: String, familyId: String, refreshToken: String, tokenHash: String, userAgent: String?, expiresAt: Date
    ) {
        self.id = id
        self.providerId = providerId
        self.familyId = familyId
        self.refreshToken = refreshToken
        self.tokenHash = tokenHash
        self.userAgent = userAgent
        self.expiresAt = expiresAt
    }
}

/// What `SessionStore.refresh` did.
public enum SessionRefresh: Sendable {
    /// No row has this token, or it was logged out, or it expired, or its provider is gone.
    case invalid
    /// The token was already rotated: its whole family was revoked.
    case reused
    /// The provider may not log in here (`open` returned nil).
    case refused(AuthAccount)
    /// The token's row was rotated; `NewSession` replaces it.
    case rotated(NewSession)
}
