import AsyncHTTPClient
import Crypto
import DjobeaGateway
import DjobeaGatewayFakes
import Foundation
import NIOCore
import Testing

/// The fake push service refuses what a real one refuses, so that the sender tests mean something.
@Suite struct FakePushServiceTests {
    let keys = VAPIDKeys(privateKey: P256.Signing.PrivateKey())

    /// POSTs `body` to `url` with `headers`; the status.
    func post(_ url: String, headers: [(String, String)], body: [UInt8], timeout: TimeAmount = .seconds(10)) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    @Test func refusesWhatARealServiceRefuses() async throws {
        try await FakePushService.with(vapidPublicKey: keys.publicKeyBase64URL) { service in
            let client = WebPushTestClient()
            service.register(client, id: "p1")
            let endpoint = service.endpoint(for: "p1")
            let authorization = try keys.authorizationHeader(endpoint: endpoint, subject: "mailto:ops@djobea.cm", now: Date())
            let body = try WebPushEncryption.encrypt(plaintext: [1, 2, 3], userAgentPublicKey: client.publicKeyBytes, authSecret: client.authSecret)
            let good = [("Authorization", authorization), ("Content-Encoding", "aes128gcm"), ("TTL", "60")]
            func without(_ name: String) -> [(String, String)] { good.filter { $0.0 != name } }

            #expect(try await post(endpoint, headers: without("Authorization"), body: body) == 401)
            let expired = try keys.authorizationHeader(
                endpoint: endpoint, subject: "mailto:ops@djobea.cm", now: Date().addingTimeInterval(-13 * 3600))
            #expect(try await post(endpoint, headers: without("Authorization") + [("Authorization", expired)], body: body) == 401)
            let otherAudience = try keys.authorizationHeader(endpoint: "https://push.example.net/x", subject: "mailto:ops@djobea.cm", now: Date())
            #expect(try await post(endpoint, headers: without("Authorization") + [("Authorization", otherAudience)], body: body) == 401)
            #expect(try await post(endpoint, headers: without("Content-Encoding"), body: body) == 400)
            #expect(try await post(endpoint, headers: without("TTL"), body: body) == 400)
            #expect(try await post(endpoint, headers: good, body: body + [UInt8](repeating: 0, count: 4096)) == 413)
            #expect(try await post(endpoint, headers: good, body: Array(body.dropLast())) == 400)
            #expect(try await post(service.endpoint(for: "inconnu"), headers: good, body: body) == 404)
            #expect(service.received.isEmpty)
            #expect(service.attempts.count == 8)

            #expect(try await post(endpoint, headers: good, body: body) == 201)
            #expect(try await service.waitForPush(id: "p1", timeout: .seconds(5)).payload == [1, 2, 3])
            await #expect(throws: FakePushServiceError.self) { try await service.waitForPush(id: "p1", timeout: .milliseconds(100)) }
        }
    }

    @Test func stopsListening() async throws {
        let service = try await FakePushService.start()
        let endpoint = service.endpoint(for: "p1")
        #expect(service.origin == "http://127.0.0.1:\(service.port)")
        await service.stop()
        await #expect(throws: (any Error).self) { try await post(endpoint, headers: [], body: [1], timeout: .seconds(1)) }
    }
}
