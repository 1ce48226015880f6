import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Logging
import Testing

@testable import DjobeaAuth

// MARK: - Clock and randomness

/// The shared seeded generator as the auth service's random source: codes and tokens repeat from run to run.
extension SeededRandom: RandomSource {}

/// A clock that moves only when told.
final class FixedClock: Sendable {
    private let current: LockedValue<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        current = LockedValue(start)
    }

    var now: Date { current.withLock { $0 } }
    var function: @Sendable () -> Date { { self.now } }

    func advance(_ seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

// MARK: - Notifiers

/// Keeps every message it is given.
final class RecordingNotifier: WhatsAppNotifier {
    private let sent = LockedValue([OutgoingMessage]())

    var messages: [OutgoingMessage] { sent.withLock { $0 } }

    func send(_ message: OutgoingMessage) async throws {
        sent.withLock { $0.append(message) }
    }

    /// The code of the last message to `phone`.
    func lastCode(to phone: String) -> String? {
        messages.last { $0.to == phone }?.variables["code"]
    }
}

/// Fails its first `failures` sends, then records.
final class FlakyNotifier: WhatsAppNotifier {
    private let remainingFailures: LockedValue<Int>
    let recorder = RecordingNotifier()
    let permanent: Bool

    init(failures: Int, permanent: Bool = false) {
        remainingFailures = LockedValue(failures)
        self.permanent = permanent
    }

    func send(_ message: OutgoingMessage) async throws {
        let fail = remainingFailures.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail {
            if permanent { throw NotifierError.permanent("numéro refusé par le fournisseur") }
            throw NotifierError.transient("réseau indisponible")
        }
        try await recorder.send(message)
    }
}

// MARK: - A hub with providers

/// An in-memory hub with an active provider (with email) and a suspended one, and the auth service over it (or no
/// provider, for a hub that receives them by sync).
struct AuthHarness {
    static let activePhone = "+237699000001"
    static let suspendedPhone = "+237699000002"
    static let unknownPhone = "+237699000099"
    static let email = "jean.kouam@example.cm"
    static let secret = Array("0123456789abcdef0123456789abcdef-test-secret".utf8)
    /// The deployment's TOTP seed key, the same on every test hub (as `PROVIDER_TOTP_KEY` on every real one).
    static let seedSecret = Array("totp-seed-key-shared-by-every-hub-of-the-test".utf8)

    let database: NodeDatabase
    let clock: FixedClock
    let notifier: RecordingNotifier
    let queue: WhatsAppQueue
    let service: ProviderAuthService
    let keys: TokenKeys
    let seedKey: TOTPSeedKey
    let activeId = DjobeaID.v7()
    let suspendedId = DjobeaID.v7()

    init(
        database: NodeDatabase? = nil, settings: AuthSettings = AuthHarness.fastSettings, notifier: RecordingNotifier = RecordingNotifier(),
        seedSecret: [UInt8] = AuthHarness.seedSecret, installsProviders: Bool = true
    ) async throws {
        let clock = FixedClock()
        self.clock = clock
        self.database = try database ?? NodeDatabase.inMemory()
        self.notifier = notifier
        keys = try TokenKeys(secret: Self.secret)
        seedKey = try TOTPSeedKey(secret: seedSecret)
        let logger = Logger(label: "test.auth")
        queue = WhatsAppQueue(database: self.database, notifier: notifier, keys: keys, clock: clock.function, logger: logger)
        service = await ProviderAuthService(
            database: self.database, keys: keys, seedKey: seedKey, notifications: queue, settings: settings, clock: clock.function,
            random: SeededRandom(),
            logger: logger)
        if installsProviders { try installProviders() }
    }

    /// Default settings with a cheap bcrypt cost, so that tests stay fast.
    static var fastSettings: AuthSettings {
        var settings = AuthSettings()
        settings.bcryptCost = 4
        settings.codeRequestMinimumDuration = 0
        return settings
    }

    private func installProviders() throws {
        let now = clock.now
        try database.writeBlocking(now: now) { tx in
            try tx.insert(
                .providers,
                [
                    "id": .text(activeId), "phone": .text(Self.activePhone), "name": "Jean Kouam", "email": .text(Self.email),
                    "joined_at": ColumnValue(now), "updated_at": ColumnValue(now),
                ])
            try tx.insert(
                .providers,
                [
                    "id": .text(suspendedId), "phone": .text(Self.suspendedPhone), "name": "Paul Suspendu", "account_status": "suspended",
                    "joined_at": ColumnValue(now), "updated_at": ColumnValue(now),
                ])
        }
    }

    /// Sends a login code to `phone`, delivers the queue and returns the code that went out.
    func sendAndReadCode(_ phone: String = AuthHarness.activePhone) async throws -> String? {
        try await service.sendOTP(phone: phone, ip: "127.0.0.1")
        await queue.deliverPending()
        return notifier.lastCode(to: phone)
    }

    /// Logs the active provider in by WhatsApp code.
    func login() async throws -> TokenPair {
        let code = try #require(try await sendAndReadCode())
        return try await service.verifyOTP(phone: Self.activePhone, code: code, userAgent: "Tests")
    }

    func sessionRow(_ id: String) throws -> Row? {
        try database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM provider_sessions WHERE id = ?", arguments: [id]) }
    }
}

// MARK: - Expectations

/// Runs `body` and returns the `AuthError` it threw (nil if none or another error).
func authError<T>(_ body: () async throws -> T) async -> AuthError? {
    do {
        _ = try await body()
        return nil
    } catch let error as AuthError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
