import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaAuth

@Suite("Settings and signing keys")
struct SettingsAndKeysTests {
    @Test func defaultsFollowTheSeed() throws {
        let settings = try AuthSettings.fromEnvironment([:])
        #expect(settings.sessionDuration == 2_592_000)
        #expect(settings.otpExpiry == 300)
        #expect(settings.accessTokenLifetime == 900)
        #expect(settings.maxCodeAttempts == 5)
        #expect(settings.otpSendLimits == [.init(count: 3, window: 900), .init(count: 10, window: 86_400)])
        #expect(settings.requestRate == RateLimit(count: 100, period: 60))
        #expect(settings.bcryptCost == 10)
    }

    @Test func readsTheEnvironment() throws {
        let settings = try AuthSettings.fromEnvironment([
            "PROVIDER_SESSION_DURATION": "86400", "PROVIDER_OTP_EXPIRY": "120", "RATE_LIMIT_PROVIDER": "20/second",
        ])
        #expect(settings.sessionDuration == 86_400)
        #expect(settings.otpExpiry == 120)
        #expect(settings.requestRate == RateLimit(count: 20, period: 1))
    }

    @Test(arguments: [
        ("PROVIDER_SESSION_DURATION", "30j"), ("PROVIDER_SESSION_DURATION", "-5"), ("PROVIDER_OTP_EXPIRY", "5"),
        ("PROVIDER_OTP_EXPIRY", ""), ("RATE_LIMIT_PROVIDER", "beaucoup"),
    ])
    func badValuesGiveAFrenchError(_ variable: String, _ value: String) throws {
        let error = try #require(throws: AuthSettingsError.self) { try AuthSettings.fromEnvironment([variable: value]) }
        #expect(error.variable == variable)
        #expect(error.description.hasPrefix("Configuration invalide : \(variable) = « \(value) ». Attendu : "))
    }

    @Test func otpMessageFollowsTheExpiry() {
        let message = OTPMessage.make(purpose: .login, to: "+237699000001", code: "042917", expiry: 120)
        #expect(message.body == "Djobea : votre code de connexion est 042917. Il expire dans 2 minutes. Ne le partagez avec personne.")
        #expect(message.variables == ["code": "042917", "minutes": "2"])
        #expect(FrenchDuration.describe(seconds: 60) == "1 minute")
        #expect(FrenchDuration.describe(seconds: 3600) == "1 heure")
        #expect(FrenchDuration.describe(seconds: 90) == "90 secondes")
    }

    // MARK: - Keys

    @Test func secretFromTheEnvironment() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = String(repeating: "s", count: 40)
        let keys = try TokenKeys.load(environment: ["PROVIDER_JWT_SECRET": secret], dataDirectory: directory)
        #expect(keys.kid == (try TokenKeys(secret: Array(secret.utf8))).kid)
        #expect(keys.kid != (try TokenKeys(secret: Array((secret + "x").utf8))).kid)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("secrets").path))
        let short = try #require(throws: TokenKeysError.self) {
            try TokenKeys.load(environment: ["PROVIDER_JWT_SECRET": "your-super-secret-key"], dataDirectory: directory)
        }
        #expect(short == .secretTooShort(21))
        #expect(short.description.contains("PROVIDER_JWT_SECRET"))
    }

    @Test func keyFileIsCreatedOncePrivately() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try TokenKeys.load(environment: [:], dataDirectory: directory)
        let second = try TokenKeys.load(environment: [:], dataDirectory: directory, random: SeededRandom(seed: 1))
        #expect(first.kid == second.kid)
        let file = directory.appendingPathComponent("secrets/jwt.key")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Base64URL.decode(text)?.count == 32)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path) == ["jwt.key"])

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: TokenKeysError.keyFileTooOpen(file.path)) { try TokenKeys.load(environment: [:], dataDirectory: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        try Data("pas une clé\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(throws: TokenKeysError.unreadableKeyFile(file.path)) { try TokenKeys.load(environment: [:], dataDirectory: directory) }
    }

    @Test func derivedKeysAreDistinct() throws {
        let keys = try TokenKeys(secret: AuthHarness.secret)
        let all = [keys.signingKey, keys.codeKey, keys.sealingKey].map { $0.withUnsafeBytes { Array($0) } }
        #expect(Set(all).count == 3)
        #expect(!all.contains(AuthHarness.secret))
    }
}
