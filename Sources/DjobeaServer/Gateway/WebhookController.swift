import DjobeaDomain
import DjobeaGateway
import DjobeaReplication
import DjobeaStore
import Foundation
import Hummingbird
import Logging

/// The outside services' callbacks, on the gateway node only: WhatsApp Cloud (`GET` verification, `POST` events) and
/// Twilio (`POST`, statuses and inbound messages on one URL).
///
/// Signatures are checked on the raw body before anything is parsed; a refused call writes nothing. Each event is
/// idempotent: a status moves a message forward only (`DeliveryStatus.advanced`), an inbound message is recorded once
/// by the service's id.
struct WebhookController: Sendable {
    static let maxBodyBytes = 256 * 1024

    let storage: any ReplicaStorage
    let settings: WebhookSettings
    let logger: Logger
    /// Called after inbound messages were recorded (the push loop alerts their providers).
    let onInbound: @Sendable () async -> Void
    /// The mobile money collections, on the default gateway.
    var collections: CollectionGateway? = nil

    func register(on routes: DocumentedRoutes) {
        registerCollections(on: routes)
        routes.add(
            .get, "/webhooks/whatsapp-cloud", "Vérification du webhook WhatsApp Cloud (hub.challenge)",
            parameters: [
                .init("hub.mode", "subscribe"), .init("hub.verify_token", "Jeton de vérification (WHATSAPP_CLOUD_VERIFY_TOKEN)"),
                .init("hub.challenge", "Valeur à renvoyer"),
            ], errors: ["webhook_disabled", "invalid_verify_token"]
        ) { request, _ in
            guard let token = settings.cloudVerifyToken else { throw Self.disabled("WhatsApp Cloud") }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            guard let challenge = MetaWebhook.verificationAnswer(query: query, verifyToken: token) else {
                throw APIError(.forbidden, code: "invalid_verify_token", message: "Jeton de vérification du webhook incorrect.")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        routes.add(
            .post, "/webhooks/whatsapp-cloud", "Événements WhatsApp Cloud : statuts des messages et messages des clients (signés)",
            parameters: [.init("X-Hub-Signature-256", in: "header", "sha256=<HMAC-SHA256 du corps brut avec WHATSAPP_CLOUD_APP_SECRET>")],
            errors: ["webhook_disabled", "invalid_signature", "invalid_payload", "body_too_large"]
        ) { request, _ in
            guard let secret = settings.cloudAppSecret else { throw Self.disabled("WhatsApp Cloud") }
            let body = try await Self.rawBody(request)
            let signature = request.headers.first { $0.name.canonicalName == "x-hub-signature-256" }?.value
            guard MetaWebhook.verifySignature(rawBody: body, header: signature, appSecret: secret) else {
                logger.warning("gateway.webhook.bad_signature", metadata: ["service": "whatsapp-cloud"])
                throw Self.badSignature()
            }
            let events: [WebhookEvent]
            do {
                events = try MetaWebhook.events(rawBody: body)
            } catch {
                throw APIError(.badRequest, code: "invalid_payload", message: "Contenu du webhook illisible : \(error)")
            }
            try await handle(events)
            return Self.ok()
        }
        routes.add(
            .post, "/webhooks/twilio", "Rappels Twilio : statuts des messages (?m=<id>) et messages entrants (signés)",
            parameters: [.init("X-Twilio-Signature", in: "header", "HMAC-SHA1 de l'URL publique et des paramètres, avec TWILIO_AUTH_TOKEN")],
            errors: ["webhook_disabled", "invalid_signature", "body_too_large"]
        ) { request, _ in
            guard let token = settings.twilioAuthToken, let publicURL = settings.publicURL else { throw Self.disabled("Twilio") }
            let body = try await Self.rawBody(request)
            let form = TwilioWebhook.parseForm(body)
            let url = publicURL + request.uri.description
            let signature = request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value
            guard TwilioWebhook.verifySignature(url: url, form: form, header: signature, authToken: token) else {
                logger.warning("gateway.webhook.bad_signature", metadata: ["service": "twilio"])
                throw Self.badSignature()
            }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            try await handle(TwilioWebhook.events(form: form, query: query))
            return Response(status: .ok, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: "<Response/>")))
        }
    }

    /// Applies the events of one call, each in its own transaction: every event is idempotent (statuses only move
    /// forward, inbound messages are recorded once by the service's id), so one event that can never be written (a
    /// value the schema refuses) is logged and skipped instead of failing the whole batch, which the service would
    /// otherwise retry for days with its good events stuck behind it. A storage failure stops the call (503): the
    /// service retries it, and the events already written are recognised.
    func handle(_ events: [WebhookEvent]) async throws {
        guard !events.isEmpty else { return }
        let owner = (node: storage.nodeId, isDefault: GatewayOutbox.isDefaultGateway(role: storage.role))
        var recorded = 0
        for event in events {
            let now = Date()
            do {
                let inbound = try await storage.localWrite(critical: true, now: now) { tx -> Bool in
                    switch event {
                    case .status(let status):
                        _ = try GatewayOutbox.applyStatus(
                            externalId: status.externalId, messageId: status.messageId, reported: Self.state(status.state),
                            reason: Self.reason(status), notOnWhatsApp: Self.notOnWhatsAppCodes.contains(status.errorCode ?? ""),
                            owner: owner, in: tx)
                        return false
                    case .inbound(let message):
                        let outcome = try GatewayInbound.record(
                            InboundClientMessage(
                                externalId: message.externalId, from: message.from, channel: message.channel.rawValue, text: message.text,
                                buttonPayload: message.buttonPayload, contextExternalId: message.contextExternalId, at: message.at), now: now,
                            in: tx)
                        if case .recorded = outcome { return true }
                        return false
                    }
                }
                if inbound { recorded += 1 }
            } catch {
                guard Self.refusesEvent(error, onSQLite: storage is NodeDatabase) else { throw error }
                logger.error("gateway.webhook.event_refused", metadata: ["event": "\(Self.describe(event))", "error": "\(error)"])
            }
        }
        if recorded > 0 { await onInbound() }
    }

    /// Whether `error` means that the event itself can never be written (it is logged and skipped) rather than that storage
    /// failed (the call fails and the service retries it). On SQLite, every error but a storage failure (disk full,
    /// read-only, I/O) is the event's. On another storage (PostgreSQL) only the refusals the seam names are: a rule of the
    /// schema (`ReplicaConstraintViolation`), a store's or the sync core's refusal; anything else (a lost connection, a
    /// server error) fails the call, so that no event is lost.
    static func refusesEvent(_ error: any Error, onSQLite: Bool) -> Bool {
        if error is CancellationError || StorageFailure.classify(error) != nil { return false }
        if onSQLite { return true }
        return error is ReplicaConstraintViolation || error is StoreError || error is ReplicaError
    }

    /// An event in one log line, without the client's words.
    static func describe(_ event: WebhookEvent) -> String {
        switch event {
        case .status(let status): "status \(status.state.rawValue) \(status.externalId)"
        case .inbound(let message): "inbound \(message.externalId) via \(message.channel.rawValue)"
        }
    }

    /// WhatsApp Cloud 131026 (message undeliverable: no WhatsApp account), Twilio 63003 (channel could not find the To
    /// address).
    static let notOnWhatsAppCodes: Set<String> = ["131026", "63003"]

    static func state(_ reported: ReportedState) -> DeliveryStatus {
        switch reported {
        case .sent: .sent
        case .delivered: .delivered
        case .read: .read
        case .failed: .failed
        }
    }

    static func reason(_ status: StatusEvent) -> String? {
        guard status.state == .failed else { return nil }
        var text = "Échec signalé par le service"
        if let code = status.errorCode { text += " (code \(code))" }
        if let detail = status.errorText { text += " : \(detail)" }
        return text
    }

    static func rawBody(_ request: Request) async throws -> [UInt8] {
        var request = request
        do {
            return Array(try await request.collectBody(upTo: maxBodyBytes).readableBytesView)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "Webhook trop volumineux (maximum 256 Ko).")
        }
    }

    /// The operators' callbacks. They are never trusted: one only makes the gateway ask the operator for the status of
    /// the collection it names, now. Unknown references are answered 200 (`ignored`) so the operator stops retrying.
    private func registerCollections(on routes: DocumentedRoutes) {
        let handler: @Sendable (Request, String, (([String: Any]) -> (reference: String?, handle: String?))) async throws -> Response = {
            request, service, extract in
            guard let collections else { throw Self.disabled(service) }
            let body = try await Self.rawBody(request)
            guard let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
                throw APIError(.badRequest, code: "invalid_payload", message: "Contenu du rappel \(service) illisible : objet JSON attendu.")
            }
            let (reference, handle) = extract(json)
            guard reference != nil || handle != nil else {
                throw APIError(.badRequest, code: "invalid_payload", message: "Rappel \(service) sans référence de paiement.")
            }
            let known = try await collections.callback(reference: reference, handle: handle)
            logger.info("gateway.collection.callback", metadata: ["service": "\(service)", "known": "\(known)"])
            return known
                ? Self.ok()
                : Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ignored"}"#)))
        }
        let mtn: @Sendable ([String: Any]) -> (reference: String?, handle: String?) = { json in
            let reference = (json["referenceId"] as? String) ?? (json["externalId"] as? String)
            return (reference.flatMap { DjobeaID.isValid($0.lowercased()) ? $0.lowercased() : nil }, nil)
        }
        for method in [HTTPRequest.Method.put, .post] {
            routes.add(
                method, "/webhooks/mtn-momo",
                "Rappel MTN MoMo (requesttopay) : jamais cru sur parole, le statut est redemandé à MTN",
                errors: ["webhook_disabled", "invalid_payload", "body_too_large"]
            ) { request, _ in try await handler(request, "MTN MoMo", mtn) }
        }
        routes.add(
            .post, "/webhooks/orange-money", "Notification Orange Money : jamais crue sur parole, le statut est redemandé à Orange",
            errors: ["webhook_disabled", "invalid_payload", "body_too_large"]
        ) { request, _ in
            try await handler(request, "Orange Money") { json in
                let data = json["data"] as? [String: Any]
                let token = (json["payToken"] as? String) ?? (data?["payToken"] as? String)
                return (nil, token.flatMap { $0.isEmpty || $0.count > 100 ? nil : $0 })
            }
        }
    }

    static func disabled(_ service: String) -> APIError {
        APIError(.notFound, code: "webhook_disabled", message: "Webhook \(service) non configuré sur ce nœud.")
    }

    static func badSignature() -> APIError {
        APIError(.unauthorized, code: "invalid_signature", message: "Signature du webhook absente ou invalide : rien n'a été enregistré.")
    }

    static func ok() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
}

/// The gateway's webhook secrets (from the environment or `<data>`), never in synced rows.
public struct WebhookSettings: Sendable {
    /// `WHATSAPP_CLOUD_APP_SECRET`: checks `X-Hub-Signature-256`.
    public var cloudAppSecret: String?
    /// `WHATSAPP_CLOUD_VERIFY_TOKEN`: answers Meta's subscription check.
    public var cloudVerifyToken: String?
    /// `TWILIO_AUTH_TOKEN`: checks `X-Twilio-Signature`.
    public var twilioAuthToken: String?
    /// `DJOBEA_PUBLIC_URL`: the gateway's public base URL, as Twilio signs it (`https://central.example.cm`).
    public var publicURL: String?

    public init(cloudAppSecret: String? = nil, cloudVerifyToken: String? = nil, twilioAuthToken: String? = nil, publicURL: String? = nil) {
        self.cloudAppSecret = cloudAppSecret
        self.cloudVerifyToken = cloudVerifyToken
        self.twilioAuthToken = twilioAuthToken
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }
}
