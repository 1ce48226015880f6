import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

/// Provider authentication on a hub: WhatsApp one-time codes, email and password with an optional TOTP second
/// factor, sessions with rotating refresh tokens, and short-lived access JWTs that are verified without network.
///
/// Every method is one or two short SQLite transactions; bcrypt runs on its own threads. The clock and the random
/// source are injected so that tests are deterministic. Failures are `AuthError`s.
public final class ProviderAuthService: Sendable {
    public let settings: AuthSettings
    let database: NodeDatabase
    let keys: TokenKeys
    /// Seals TOTP seeds before they reach the synced `provider_credentials` (see `TOTPSeedKey`).
    let seedKey: TOTPSeedKey
    let signer: AccessTokenSigner
    let passwords: PasswordHasher
    let notifications: WhatsAppQueue
    let clock: @Sendable () -> Date
    let random: any RandomSource
    let logger: Logger
    /// A bcrypt hash of nothing anyone knows, checked when an email is unknown so that the answer takes as long.
    let decoyHash: String
    /// Tokens already checked against a live session, valid until the session or provider tables change.
    let verifiedTokens = VerifiedTokenCache()
    let sessionTables: SessionTablesWatch
    let challenges: OTPChallengeStore
    let sessions: SessionStore
    let credentials: CredentialStore
    let guards: AuthGuardStore

    /// - Parameters:
    ///   - database: the hub's database (`iss` of access tokens is its node id).
    ///   - keys: the node's keys (`TokenKeys.load`).
    ///   - seedKey: the deployment's key for TOTP seeds (`TOTPSeedKey.load`), the same on every hub.
    ///   - notifications: the queue that WhatsApp codes go through.
    ///   - clock: the current time; tests pass a fixed one.
    ///   - random: where codes, refresh tokens and TOTP secrets come from.
    public init(
        database: NodeDatabase, keys: TokenKeys, seedKey: TOTPSeedKey, notifications: WhatsAppQueue, settings: AuthSettings = AuthSettings(),
        clock: @escaping @Sendable () -> Date = { Date() }, random: any RandomSource = SystemRandomSource(), logger: Logger
    ) async {
        self.database = database
        self.keys = keys
        self.seedKey = seedKey
        self.notifications = notifications
        self.settings = settings
        self.clock = clock
        self.random = random
        self.logger = logger
        signer = await AccessTokenSigner(keys: keys, issuer: database.nodeId)
        passwords = PasswordHasher(cost: settings.bcryptCost)
        decoyHash = await passwords.hash(Base64URL.encode(random.bytes(24)))
        challenges = OTPChallengeStore(database)
        sessions = SessionStore(database)
        credentials = CredentialStore(database)
        guards = AuthGuardStore(database)
        sessionTables = sessions.watchTables()
    }

    // MARK: - Sessions shared by every login path

    /// A session to open in a store's write transaction; `familyId` nil starts a new family (a login), else
    /// continues one (a refresh). Called inside the transaction, so that its id and refresh token are drawn only
    /// when a session is opened.
    func newSession(providerId: String, familyId: String?, userAgent: String?, now: Date) -> NewSession {
        let id = DjobeaID.v7(now: now)
        let refreshToken = RefreshToken.make(random)
        return NewSession(
            id: id, providerId: providerId, familyId: familyId ?? id, refreshToken: refreshToken,
            tokenHash: RefreshToken.storedHash(refreshToken), userAgent: userAgent, expiresAt: now.addingTimeInterval(settings.sessionDuration))
    }

    /// Signs the access token of a session just opened.
    func tokens(for session: NewSession, now: Date) async throws -> TokenPair {
        let accessToken = try await signer.sign(
            providerId: session.providerId, sessionId: session.id, now: now, lifetime: settings.accessTokenLifetime)
        return TokenPair(
            accessToken: accessToken, accessTokenExpiresAt: now.addingTimeInterval(settings.accessTokenLifetime),
            refreshToken: session.refreshToken, refreshTokenExpiresAt: session.expiresAt, sessionId: session.id,
            providerId: session.providerId)
    }

    /// A phone number for logs: country code and last two digits only.
    static func masked(_ phone: String) -> String {
        String(phone.prefix(4)) + String(repeating: "•", count: max(0, phone.count - 6)) + String(phone.suffix(2))
    }
}
