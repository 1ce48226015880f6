import DjobeaGateway
import DjobeaGatewayFakes
import Foundation
import Testing

@Suite struct PushSubscriptionTests {
    let client = WebPushTestClient()

    @Test("plain http to this machine is refused unless loopback pushes are allowed (tests and the demo only)")
    func loopbackOnlyWhenAllowed() throws {
        let client = WebPushTestClient()
        for endpoint in ["http://127.0.0.1:8080/push/a", "http://localhost:9000/push/a", "http://[::1]:9000/push/a"] {
            let info = client.subscription(endpoint: endpoint)
            #expect(throws: PushSubscriptionError.self) { try info.validated(allowLoopback: false) }
            #expect(try info.validated(allowLoopback: true) == info)
        }
        #expect(
            try client.subscription(endpoint: "https://fcm.googleapis.com/fcm/send/x").validated(allowLoopback: false).endpoint.hasPrefix("https"))
    }

    @Test(arguments: [
        "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "http://127.0.0.1:8080/push/a",
        "http://localhost:9000/push/a",
        "http://[::1]:9000/push/a",
    ])
    func acceptedEndpoints(endpoint: String) throws {
        let subscription = client.subscription(endpoint: endpoint)
        #expect(try subscription.validated() == subscription)
    }

    @Test(arguments: [
        "http://push.example.net/a",
        "http://192.168.1.10:8080/push/a",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.7/push/a",
        "https://[fd00::1]/push/a",
        "ftp://push.example.net/a",
        "/push/a",
        "pas une adresse",
        "https://user:secret@push.example.net/a",
        "https://push.example.net/" + String(repeating: "a", count: 2048),
    ])
    func refusedEndpoints(endpoint: String) {
        do {
            _ = try client.subscription(endpoint: endpoint).validated()
            Issue.record("accepted \(endpoint)")
        } catch let error as PushSubscriptionError {
            #expect(error.code == "invalid_endpoint")
            #expect(error.message.contains("Adresse d'abonnement"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func refusedKeys() {
        let good = client.subscription(endpoint: "https://push.example.net/a")
        var cases: [PushSubscriptionInfo] = []
        var shortKey = good
        shortKey.p256dh = Base64URL.encode(client.publicKeyBytes.dropLast())
        cases.append(shortKey)
        var compressed = good
        compressed.p256dh = Base64URL.encode(client.privateKey.publicKey.compressedRepresentation)
        cases.append(compressed)
        var notBase64 = good
        notBase64.p256dh = "pas du base64url!"
        cases.append(notBase64)
        var shortAuth = good
        shortAuth.auth = Base64URL.encode(client.authSecret.dropLast())
        cases.append(shortAuth)
        var emptyAuth = good
        emptyAuth.auth = ""
        cases.append(emptyAuth)
        for subscription in cases {
            #expect(throws: PushSubscriptionError.self) { try subscription.validated() }
            #expect((try? subscription.validated()) == nil)
            do {
                _ = try subscription.validated()
            } catch let error as PushSubscriptionError {
                #expect(error.code == "invalid_keys")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}

@Suite struct WebPushPayloadTests {
    @Test func encodesSortedKeysWithSnakeCaseRequestId() throws {
        let payload = WebPushPayload(
            kind: "new_request", title: "Nouvelle demande", body: "Fuite d'eau à Bonamoussadi", url: "/p/requests/r1",
            requestId: "r1", tag: "request-r1")
        let text = String(decoding: try payload.encoded(), as: UTF8.self)
        #expect(
            text
                == #"{"body":"Fuite d'eau à Bonamoussadi","kind":"new_request","request_id":"r1","tag":"request-r1","title":"Nouvelle demande","url":"/p/requests/r1"}"#
        )
        #expect(try JSONDecoder().decode(WebPushPayload.self, from: Data(text.utf8)) == payload)
        let bare = String(decoding: try WebPushPayload(kind: "k", title: "t", body: "b", url: "/").encoded(), as: UTF8.self)
        #expect(!bare.contains("request_id"))
    }

    @Test func cutsALongBodyToFit() throws {
        let payload = WebPushPayload(kind: "new_request", title: "Titre", body: String(repeating: "é\"", count: 3000), url: "/p")
        let encoded = try payload.encoded()
        #expect(encoded.count <= WebPushPayload.maxEncodedLength)
        #expect(encoded.count > WebPushPayload.maxEncodedLength - 10)
        let decoded = try JSONDecoder().decode(WebPushPayload.self, from: Data(encoded))
        #expect(decoded.body.hasSuffix("…"))
        #expect(payload.body.hasPrefix(String(decoded.body.dropLast())))
        #expect(decoded.title == "Titre")
    }

    @Test func refusesWhenTheOtherFieldsAreTooLong() {
        let payload = WebPushPayload(kind: "k", title: String(repeating: "t", count: 3100), body: "b", url: "/")
        #expect(throws: WebPushPayloadError.self) { try payload.encoded() }
    }
}
