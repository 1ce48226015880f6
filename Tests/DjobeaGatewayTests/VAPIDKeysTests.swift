import Crypto
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaTestSupport
import Foundation
import Testing

func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite struct VAPIDKeysTests {
    @Test func jwtIsES256WithTheRightClaims() throws {
        let keys = VAPIDKeys(privateKey: P256.Signing.PrivateKey())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = try keys.authorizationHeader(
            endpoint: "https://fcm.googleapis.com/fcm/send/abc:def?x=1", subject: "mailto:ops@djobea.cm", now: now)
        #expect(header.hasPrefix("vapid t="))
        #expect(header.hasSuffix(", k=\(keys.publicKeyBase64URL)"))
        #expect(base64URLBytes(keys.publicKeyBase64URL).count == 65)
        #expect(base64URLBytes(keys.publicKeyBase64URL).first == 0x04)

        let token = String(header.dropFirst("vapid t=".count).prefix { $0 != "," })
        let parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        #expect(String(decoding: base64URLBytes(parts[0]), as: UTF8.self) == #"{"typ":"JWT","alg":"ES256"}"#)
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(base64URLBytes(parts[1]))) as? [String: Any])
        #expect(claims["aud"] as? String == "https://fcm.googleapis.com")
        #expect((claims["exp"] as? NSNumber)?.intValue == 1_800_000_000 + 12 * 3600)
        #expect(claims["sub"] as? String == "mailto:ops@djobea.cm")
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: base64URLBytes(parts[2]))
        #expect(keys.privateKey.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)))

        // What the fake push service checks, at the time the JWT was made and once it expired.
        let origin = "https://fcm.googleapis.com"
        #expect(FakePushService.verifyAuthorization(header, expectedKey: keys.publicKeyBase64URL, origin: origin, now: now) == nil)
        #expect(FakePushService.verifyAuthorization(header, expectedKey: nil, origin: origin, now: now.addingTimeInterval(13 * 3600))?.0 == 401)
        #expect(FakePushService.verifyAuthorization(header, expectedKey: nil, origin: "https://other.example", now: now)?.0 == 401)
        let other = VAPIDKeys(privateKey: P256.Signing.PrivateKey())
        #expect(FakePushService.verifyAuthorization(header, expectedKey: other.publicKeyBase64URL, origin: origin, now: now)?.0 == 403)
    }

    @Test func refusesBadSubjectsAndValidities() {
        let keys = VAPIDKeys(privateKey: P256.Signing.PrivateKey())
        let endpoint = "https://updates.push.services.mozilla.com/wpush/v2/abc"
        #expect(throws: VAPIDKeyError.invalidSubject("ops@djobea.cm")) {
            try keys.authorizationHeader(endpoint: endpoint, subject: "ops@djobea.cm", now: Date())
        }
        #expect(throws: VAPIDKeyError.invalidValidity(25 * 3600)) {
            try keys.authorizationHeader(endpoint: endpoint, subject: "mailto:ops@djobea.cm", now: Date(), validity: 25 * 3600)
        }
        #expect(throws: VAPIDKeyError.invalidEndpoint("pas une url")) {
            try keys.authorizationHeader(endpoint: "pas une url", subject: "https://djobea.cm", now: Date())
        }
        #expect((try? keys.authorizationHeader(endpoint: endpoint, subject: "https://djobea.cm", now: Date(), validity: 24 * 3600)) != nil)
    }

    @Test func originsOfEndpoints() {
        #expect(VAPIDKeys.origin(of: "https://fcm.googleapis.com/fcm/send/x") == "https://fcm.googleapis.com")
        #expect(VAPIDKeys.origin(of: "HTTPS://Web.Push.Apple.com:443/x") == "https://web.push.apple.com")
        #expect(VAPIDKeys.origin(of: "https://push.example.net:8443/x") == "https://push.example.net:8443")
        #expect(VAPIDKeys.origin(of: "http://127.0.0.1:8080/push/a") == "http://127.0.0.1:8080")
        #expect(VAPIDKeys.origin(of: "/push/a") == nil)
    }

    @Test func loadOrCreateWritesA0600FileAndReadsItBack() throws {
        try withTemporaryDirectory("djobea-webpush") { directory in
            let path = directory.appendingPathComponent("keys/vapid.pem").path
            let created = try VAPIDKeys.loadOrCreate(at: path)
            #expect(try permissions(path) == 0o600)
            #expect(try permissions(directory.appendingPathComponent("keys").path) == 0o700)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let reloaded = try VAPIDKeys.loadOrCreate(at: path)
            #expect(reloaded.publicKeyBase64URL == created.publicKeyBase64URL)
            #expect(try VAPIDKeys.load(at: path)?.publicKeyBase64URL == created.publicKeyBase64URL)
            // No temporary file left next to it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("keys").path) == ["vapid.pem"])
        }
    }

    @Test func loadOrCreateRefusesAFileOthersCanRead() throws {
        try withTemporaryDirectory("djobea-webpush") { directory in
            let path = directory.appendingPathComponent("vapid.pem").path
            _ = try VAPIDKeys.loadOrCreate(at: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            #expect(throws: VAPIDKeyError.keyFileTooOpen(path: path, mode: 0o644)) { try VAPIDKeys.loadOrCreate(at: path) }
            #expect("\(VAPIDKeyError.keyFileTooOpen(path: path, mode: 0o644))".contains("trop ouvert"))
        }
    }

    @Test func loadOrCreateReadsRawKeysAndRefusesGarbage() throws {
        try withTemporaryDirectory("djobea-webpush") { directory in
            let raw = directory.appendingPathComponent("raw.key").path
            let key = P256.Signing.PrivateKey()
            #expect(FileManager.default.createFile(atPath: raw, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]))
            let loaded = try VAPIDKeys.loadOrCreate(at: raw)
            #expect(loaded.publicKeyBytes == Array(key.publicKey.x963Representation))

            let garbage = directory.appendingPathComponent("garbage.key").path
            #expect(FileManager.default.createFile(atPath: garbage, contents: Data("pas une clé".utf8), attributes: [.posixPermissions: 0o600]))
            #expect(throws: VAPIDKeyError.unreadableKeyFile(path: garbage)) { try VAPIDKeys.loadOrCreate(at: garbage) }

            let badPEM = directory.appendingPathComponent("bad.pem").path
            let pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            #expect(FileManager.default.createFile(atPath: badPEM, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]))
            #expect(throws: VAPIDKeyError.unreadableKeyFile(path: badPEM)) { try VAPIDKeys.loadOrCreate(at: badPEM) }
        }
    }
}
