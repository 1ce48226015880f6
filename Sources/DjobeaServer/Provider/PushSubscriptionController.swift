import DjobeaDomain
import DjobeaGateway
import DjobeaStore
import Foundation
import Hummingbird

/// `/provider/push/*`: the key a browser subscribes with, and the provider's subscriptions per device.
struct PushSubscriptionController: Sendable {
    let database: NodeDatabase

    /// `PushSubscription.toJSON()` with the device's id (a random id the PWA keeps in its storage).
    struct SubscriptionBody: Decodable, Sendable {
        struct Keys: Decodable, Sendable {
            let p256dh: String
            let auth: String
        }
        let deviceId: String
        let endpoint: String
        let expirationTime: Double?
        let keys: Keys
    }

    struct DeviceBody: Decodable, Sendable {
        let deviceId: String
    }

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/push/key", "Clé publique VAPID de la passerelle (applicationServerKey)", response: PushKeyAnswer.self,
            errors: ["push_unavailable"]
        ) { request, _ in
            let node = database.nodeId
            let role = database.role
            guard let key = try await database.replicaRead({ db in try PushStore.gatewayKey(node: node, role: role, in: db) }) else {
                throw Self.unavailable()
            }
            return try JSONResponse.make(PushKeyAnswer(publicKey: key.key), for: request)
        }
        routes.add(
            .get, "/provider/push/subscriptions", "Cet appareil reçoit-il les notifications ?",
            parameters: [.init("device_id", "Identifiant de l'appareil")],
            response: PushSubscriptionAnswer.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let given = request.uri.queryParameters.get("device_id").map { String($0) } ?? ""
            let deviceId = try Self.deviceId(given)
            let subscribed = try await database.replicaRead { db in
                try PushStore.isSubscribed(providerId: identity.providerId, deviceId: deviceId, in: db)
            }
            return try JSONResponse.make(PushSubscriptionAnswer(deviceId: deviceId, subscribed: subscribed), for: request)
        }
        routes.add(
            .post, "/provider/push/subscriptions", "Recevoir les notifications sur cet appareil (PushSubscription.toJSON() et device_id)",
            body: SubscriptionBody.self, response: PushSubscriptionAnswer.self, status: 201,
            errors: ["invalid_parameter", "invalid_endpoint", "invalid_keys", "push_unavailable"]
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(SubscriptionBody.self, from: request)
            let deviceId = try Self.deviceId(body.deviceId)
            let subscription: PushSubscriptionInfo
            do {
                subscription = try PushSubscriptionInfo(endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth)
                    .validated(allowLoopback: allowsLoopbackPush(ProcessInfo.processInfo.environment))
            } catch let error as PushSubscriptionError {
                throw APIError(.badRequest, code: error.code, message: error.message)
            }
            let node = database.nodeId
            let role = database.role
            _ = try await database.write { tx in
                guard let key = try PushStore.gatewayKey(node: node, role: role, in: tx.connection) else { throw Self.unavailable() }
                // Stored in canonical base64url (no padding), whatever the browser sent.
                return try PushStore.subscribe(
                    providerId: identity.providerId, deviceId: deviceId, endpoint: subscription.endpoint,
                    p256dh: Base64URL.encode(Base64URL.decode(subscription.p256dh) ?? []),
                    auth: Base64URL.encode(Base64URL.decode(subscription.auth) ?? []),
                    gatewayNode: key.gatewayNode, in: tx)
            }
            return try JSONResponse.make(PushSubscriptionAnswer(deviceId: deviceId, subscribed: true), for: request, status: .created)
        }
        routes.add(
            .delete, "/provider/push/subscriptions", "Ne plus recevoir les notifications sur cet appareil", body: DeviceBody.self,
            response: PushSubscriptionAnswer.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(DeviceBody.self, from: request)
            let deviceId = try Self.deviceId(body.deviceId)
            _ = try await database.write { tx in try PushStore.unsubscribe(providerId: identity.providerId, deviceId: deviceId, in: tx) }
            return try JSONResponse.make(PushSubscriptionAnswer(deviceId: deviceId, subscribed: false), for: request)
        }
    }

    /// 8 to 64 characters of `[A-Za-z0-9_-]`.
    static func deviceId(_ text: String) throws -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        guard (8...64).contains(text.count), text.unicodeScalars.allSatisfy(allowed.contains) else {
            throw APIError.invalidParameter("device_id", "8 à 64 caractères parmi lettres, chiffres, - et _")
        }
        return text
    }

    static func unavailable() -> APIError {
        APIError(
            .serviceUnavailable, code: "push_unavailable",
            message: "Notifications indisponibles : la passerelle n'a pas encore transmis sa clé. Réessayez après la prochaine synchronisation.")
    }
}

public struct PushKeyAnswer: Codable, Sendable {
    /// The gateway's VAPID public key: base64url, uncompressed P-256 point (the `applicationServerKey`).
    public let publicKey: String
}

public struct PushSubscriptionAnswer: Codable, Sendable {
    public let deviceId: String
    public let subscribed: Bool
}
