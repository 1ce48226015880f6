import Crypto
import DjobeaGateway
import DjobeaGatewayFakes
import Foundation
import Testing

/// RFC 8291 Appendix A.
enum RFC8291 {
    static let plaintext = "When I grow up, I want to be a watermelon"
    static let asPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
    static let asPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
    static let uaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
    static let uaPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    static let auth = "BTBZMqHH6r4Tts7J_aSIgg"
    static let salt = "DGv6ra1nlYgDCS1FRnbzlw"
    static let body =
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
        + "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
}

/// The bytes of a base64url test value (empty when it is not base64url, which fails the test that uses it).
func base64URLBytes(_ text: String) -> [UInt8] {
    let decoded = Base64URL.decode(text)
    #expect(decoded != nil, "not base64url: \(text)")
    return decoded ?? []
}

@Suite struct WebPushEncryptionTests {
    @Test func rfc8291AppendixAVector() throws {
        let serverKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: base64URLBytes(RFC8291.asPrivate))
        #expect(Base64URL.encode(serverKey.publicKey.x963Representation) == RFC8291.asPublic)
        let body = try WebPushEncryption.encrypt(
            plaintext: Array(RFC8291.plaintext.utf8), userAgentPublicKey: base64URLBytes(RFC8291.uaPublic), authSecret: base64URLBytes(RFC8291.auth),
            serverKey: serverKey, salt: base64URLBytes(RFC8291.salt))
        #expect(Base64URL.encode(body) == RFC8291.body)
    }

    @Test func testClientDecryptsTheRFCBody() throws {
        let client = WebPushTestClient(
            privateKey: try P256.KeyAgreement.PrivateKey(rawRepresentation: base64URLBytes(RFC8291.uaPrivate)),
            authSecret: base64URLBytes(RFC8291.auth))
        #expect(Base64URL.encode(client.publicKeyBytes) == RFC8291.uaPublic)
        #expect(String(decoding: try client.decrypt(body: base64URLBytes(RFC8291.body)), as: UTF8.self) == RFC8291.plaintext)
    }

    @Test(arguments: [0, 1, 100, WebPushEncryption.maxPlaintextLength])
    func roundTrip(length: Int) throws {
        let client = WebPushTestClient()
        let plaintext = WebPushEncryption.randomBytes(length)
        let body = try WebPushEncryption.encrypt(plaintext: plaintext, userAgentPublicKey: client.publicKeyBytes, authSecret: client.authSecret)
        #expect(body.count == WebPushEncryption.headerLength + length + 17)
        #expect(body.count <= 4096)
        #expect(try client.decrypt(body: body) == plaintext)
        // A fresh server key and salt each time.
        let again = try WebPushEncryption.encrypt(plaintext: plaintext, userAgentPublicKey: client.publicKeyBytes, authSecret: client.authSecret)
        #expect(again != body)
    }

    @Test func tamperedBodyDoesNotDecrypt() throws {
        let client = WebPushTestClient()
        var body = try WebPushEncryption.encrypt(
            plaintext: Array("Bonjour".utf8), userAgentPublicKey: client.publicKeyBytes, authSecret: client.authSecret)
        body[body.count - 1] ^= 1
        #expect(throws: WebPushDecryptionError.authenticationFailed) { try client.decrypt(body: body) }
    }

    @Test func refusesAPlaintextTooLong() {
        let client = WebPushTestClient()
        #expect(WebPushEncryption.maxPlaintextLength == 3993)
        #expect(throws: WebPushEncryptionError.payloadTooLarge(size: 3994, limit: 3993)) {
            try WebPushEncryption.encrypt(
                plaintext: [UInt8](repeating: 0x41, count: 3994), userAgentPublicKey: client.publicKeyBytes, authSecret: client.authSecret)
        }
        #expect("\(WebPushEncryptionError.payloadTooLarge(size: 3994, limit: 3993))".contains("trop long"))
    }

    @Test func refusesInvalidKeys() throws {
        let client = WebPushTestClient()
        let key = client.publicKeyBytes
        let compressed = Array(client.privateKey.publicKey.compressedRepresentation)
        var offCurve = key
        offCurve[64] ^= 1
        for bad in [Array(key.dropLast()), compressed, offCurve, [0x04] + [UInt8](repeating: 0, count: 64)] {
            #expect(throws: WebPushEncryptionError.invalidUserAgentKey) {
                try WebPushEncryption.encrypt(plaintext: [1], userAgentPublicKey: bad, authSecret: client.authSecret)
            }
        }
        #expect(throws: WebPushEncryptionError.invalidAuthSecret) {
            try WebPushEncryption.encrypt(plaintext: [1], userAgentPublicKey: key, authSecret: Array(client.authSecret.dropLast()))
        }
        #expect(throws: WebPushEncryptionError.invalidSalt) {
            try WebPushEncryption.encrypt(plaintext: [1], userAgentPublicKey: key, authSecret: client.authSecret, salt: [1, 2, 3])
        }
        #expect(throws: WebPushEncryptionError.invalidRecordSize(20)) {
            try WebPushEncryption.encrypt(plaintext: [1, 2, 3, 4], userAgentPublicKey: key, authSecret: client.authSecret, recordSize: 20)
        }
    }

    @Test func base64URLWithAndWithoutPadding() {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("-_8=") == [0xFB, 0xFF])
        #expect(Base64URL.decode("") == [])
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab c") == nil)
    }
}
