import AsyncHTTPClient
import DjobeaDomain
import DjobeaGateway
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// Sends each channel through the driver that has it (WhatsApp through one service, SMS through another).
struct ChannelMessenger: ClientMessenger {
    let drivers: [ClientChannel: any ClientMessenger]

    var channels: Set<ClientChannel> { Set(drivers.keys) }

    func send(_ message: ClientOutbound) async throws -> SendReceipt {
        guard let driver = drivers[message.channel] else {
            throw ClientSendError.permanent(code: "no_driver", reason: "Aucun pilote pour le canal \(message.channel.rawValue)")
        }
        return try await driver.send(message)
    }
}

/// Everything a gateway node runs (DESIGN.md "Gateways"): the client message sender, the push sender, the webhooks,
/// the rating requests. Central is the gateway by default; a hub is one with `--gateway`.
public struct GatewayServices: Sendable {
    public let messages: ClientMessageGateway
    public let pushes: PushGateway
    /// Mobile money collections; nil on a gateway that is not the deployment's default (a hub with `--gateway`).
    public let collections: CollectionGateway?
    public let webhooks: WebhookSettings
    public let vapidPublicKey: String
    /// Its loops; central processes sharing a PostgreSQL database wrap them in `ExclusiveJobs`.
    public var background: [BackgroundLoop]

    /// Where the demo's webhook secret is kept when `WHATSAPP_CLOUD_APP_SECRET` is not set.
    public static let appSecretFile = "whatsapp-app-secret"

    /// Wires the gateway of a node from its data directory and the environment.
    ///
    /// Drivers: `console` writes `<data>/outbox/whatsapp.jsonl` and `sms.jsonl`; `whatsapp-cloud` (`WHATSAPP_CLOUD_*`)
    /// and `twilio` (`TWILIO_*`) call the real services, SMS through Twilio when `TWILIO_SMS_FROM` is set. Webhook
    /// secrets: `WHATSAPP_CLOUD_APP_SECRET`, `WHATSAPP_CLOUD_VERIFY_TOKEN`, `TWILIO_AUTH_TOKEN` with `DJOBEA_PUBLIC_URL`;
    /// with the console driver a missing app secret and verify token are generated once into `<data>`. The VAPID key
    /// pair is made once into `<data>/secrets/vapid-key.pem` (`DJOBEA_VAPID_SUBJECT`, default `mailto:ops@djobea.cm`),
    /// unless `vapidKeys` is given (central processes sharing a PostgreSQL database share one key, kept there).
    public static func make(
        storage: any ReplicaStorage, dataDirectory: URL, driver: NotifierChoice, environment: [String: String], logger: Logger,
        httpClient: HTTPClient = .shared, settings: ClientMessageGateway.Settings? = nil, pushInterval: TimeInterval = 1,
        vapidKeys: VAPIDKeys? = nil, collectionSettings: CollectionGateway.Settings? = nil
    ) async throws -> GatewayServices {
        let collectionSettings = collectionSettings ?? Self.collectionSettings(environment)
        var drivers: [ClientChannel: any ClientMessenger] = [:]
        var webhooks = WebhookSettings(
            cloudAppSecret: nonEmpty(environment["WHATSAPP_CLOUD_APP_SECRET"]),
            cloudVerifyToken: nonEmpty(environment["WHATSAPP_CLOUD_VERIFY_TOKEN"]),
            twilioAuthToken: nil, publicURL: nonEmpty(environment["DJOBEA_PUBLIC_URL"]))
        switch driver {
        case .console:
            let console = ConsoleMessenger(directory: dataDirectory.appendingPathComponent("outbox", isDirectory: true))
            drivers[.whatsapp] = console
            drivers[.sms] = console
            if webhooks.cloudAppSecret == nil {
                webhooks.cloudAppSecret = try secretFile(dataDirectory.appendingPathComponent(appSecretFile))
            }
            if webhooks.cloudVerifyToken == nil {
                webhooks.cloudVerifyToken = try secretFile(dataDirectory.appendingPathComponent("whatsapp-verify-token"))
            }
        case .whatsappCloud:
            drivers[.whatsapp] = try WhatsAppCloudMessenger.fromEnvironment(environment, httpClient: httpClient)
            if nonEmpty(environment["TWILIO_SMS_FROM"]) != nil {
                drivers[.sms] = try TwilioMessenger.fromEnvironment(environment, smsOnly: true, httpClient: httpClient)
                webhooks.twilioAuthToken = nonEmpty(environment["TWILIO_AUTH_TOKEN"])
            }
            guard webhooks.cloudAppSecret != nil else {
                throw GatewaySettingError(
                    line:
                        "Configuration manquante : WHATSAPP_CLOUD_APP_SECRET est requis avec --notifier whatsapp-cloud (secret de l'application Meta, pour vérifier les webhooks)."
                )
            }
        case .twilio:
            let twilio = try TwilioMessenger.fromEnvironment(environment, httpClient: httpClient)
            for channel in twilio.channels { drivers[channel] = twilio }
            webhooks.twilioAuthToken = nonEmpty(environment["TWILIO_AUTH_TOKEN"])
        }
        if webhooks.twilioAuthToken != nil, webhooks.publicURL == nil {
            logger.warning("gateway.twilio.no_public_url", metadata: ["hint": "DJOBEA_PUBLIC_URL unset: Twilio webhooks are refused"])
        }
        let secrets = dataDirectory.appendingPathComponent("secrets", isDirectory: true)
        let vapid = try vapidKeys ?? VAPIDKeys.loadOrCreate(at: secrets.appendingPathComponent("vapid-key.pem").path)
        let publicKey = vapid.publicKeyBase64URL
        let node = storage.nodeId
        try await storage.localWrite(critical: false, now: Date()) { tx in try PushStore.publishKey(publicKey, node: node, in: tx) }
        try await GatewayStore(storage).setGateway(true)
        let channels = ChannelMessenger(drivers: drivers)
        let messages = ClientMessageGateway(
            storage: storage, messenger: channels, settings: settings ?? Self.settings(environment), logger: logger)
        let pushes = PushGateway(
            storage: storage,
            sender: WebPushSender(
                keys: vapid, subject: nonEmpty(environment["DJOBEA_VAPID_SUBJECT"]) ?? "mailto:ops@djobea.cm", httpClient: pushHTTPClient,
                timeout: .seconds(10), allowLoopback: allowsLoopbackPush(environment)),
            interval: pushInterval, logger: logger)
        // Summaries go to every provider, so only the deployment's default gateway (central) sends them: their
        // once-per-period record is local to the node.
        let summaries =
            GatewayOutbox.isDefaultGateway(role: storage.role)
            ? [activitySummaryLoop(storage: storage, messenger: channels, logger: logger)] : []
        // Rating requests, like summaries, are decided by the default gateway only (central sees every mission).
        let ratings = BackgroundLoop(name: "gateway-ratings") {
            while !Task.isCancelled {
                do {
                    let queued = try await storage.localWrite(critical: false, now: Date()) { tx in
                        try GatewayReplies.queueRatingRequests(now: tx.now, in: tx)
                    }
                    if queued > 0 { await messages.wake() }
                } catch {
                    if error is CancellationError { return }
                    logger.error("gateway.ratings.failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(60))
            }
        }
        // Collections, like summaries, go through the default gateway only: it holds the operators' credentials.
        var collections: CollectionGateway?
        if GatewayOutbox.isDefaultGateway(role: storage.role) {
            let collectors = try Self.collectors(
                driver: driver, environment: environment, outbox: dataDirectory.appendingPathComponent("outbox", isDirectory: true),
                httpClient: httpClient, logger: logger)
            collections = CollectionGateway(storage: storage, collectors: collectors, settings: collectionSettings, logger: logger)
        }
        let collectionLoop = collections.map { gateway in [BackgroundLoop(name: "gateway-collections") { await gateway.run() }] } ?? []
        return GatewayServices(
            messages: messages, pushes: pushes, collections: collections, webhooks: webhooks, vapidPublicKey: publicKey,
            background: [
                BackgroundLoop(name: "gateway-messages") { await messages.run() },
                BackgroundLoop(name: "gateway-push") { await pushes.run() },
            ] + (GatewayOutbox.isDefaultGateway(role: storage.role) ? [ratings] : []) + summaries + collectionLoop)
    }

    /// The mobile money operators: MTN MoMo when `MTN_MOMO_SUBSCRIPTION_KEY` is set, Orange Money when
    /// `ORANGE_MONEY_CONSUMER_KEY` is; with the console notifier (the demo), any operator not configured is the console
    /// driver (`<data>/outbox/mobile-money.jsonl`, approved after `DJOBEA_CONSOLE_MOMO_DELAY` seconds, 5 by default).
    static func collectors(
        driver: NotifierChoice, environment: [String: String], outbox: URL, httpClient: HTTPClient, logger: Logger
    ) throws -> [any MobileMoneyCollector] {
        var collectors: [any MobileMoneyCollector] = []
        let delay = environment["DJOBEA_CONSOLE_MOMO_DELAY"].flatMap(Double.init).map { max(0, $0) } ?? 5
        if nonEmpty(environment["MTN_MOMO_SUBSCRIPTION_KEY"]) != nil {
            collectors.append(try MTNMoMoCollector.fromEnvironment(environment, httpClient: httpClient))
        } else if driver == .console {
            collectors.append(ConsoleCollector(method: .mtnMomo, directory: outbox, approveAfter: delay))
        } else {
            logger.warning("gateway.collections.mtn_not_configured", metadata: ["hint": "MTN_MOMO_* unset: MTN MoMo collections fail"])
        }
        if nonEmpty(environment["ORANGE_MONEY_CONSUMER_KEY"]) != nil {
            collectors.append(try OrangeMoneyCollector.fromEnvironment(environment, httpClient: httpClient))
        } else if driver == .console {
            collectors.append(ConsoleCollector(method: .orangeMoney, directory: outbox, approveAfter: delay))
        } else {
            logger.warning("gateway.collections.orange_not_configured", metadata: ["hint": "ORANGE_MONEY_* unset: Orange Money collections fail"])
        }
        return collectors
    }

    /// `DJOBEA_COLLECTION_FIRST_CHECK` (seconds before the first status check, default 5) and
    /// `DJOBEA_COLLECTION_TIMEOUT` (seconds the client has to approve, default 600).
    static func collectionSettings(_ environment: [String: String]) -> CollectionGateway.Settings {
        var settings = CollectionGateway.Settings()
        if let first = environment["DJOBEA_COLLECTION_FIRST_CHECK"].flatMap(Double.init), first > 0 {
            settings.firstCheckAfter = first
            settings.retryAfter = min(settings.retryAfter, max(first, 0.5))
            settings.idleInterval = min(settings.idleInterval, max(first, 0.2))
        }
        if let timeout = environment["DJOBEA_COLLECTION_TIMEOUT"].flatMap(Double.init), timeout > 0 { settings.giveUpAfter = timeout }
        return settings
    }

    /// `DJOBEA_GATEWAY_RATE` (messages per second, default 20), `DJOBEA_GATEWAY_NUMBER_SPACING` (seconds between two
    /// messages to one number, default 1), `DJOBEA_GATEWAY_LEASE` (seconds a claimed message belongs to its sender,
    /// default 120) and `DJOBEA_GATEWAY_BACKOFF` (first retry delay in seconds, default 5).
    static func settings(_ environment: [String: String]) -> ClientMessageGateway.Settings {
        var settings = ClientMessageGateway.Settings()
        if let lease = environment["DJOBEA_GATEWAY_LEASE"].flatMap(Double.init), lease >= 1 { settings.lease = lease }
        if let backoff = environment["DJOBEA_GATEWAY_BACKOFF"].flatMap(Double.init), backoff > 0 { settings.backoffInitial = backoff }
        if let rate = environment["DJOBEA_GATEWAY_RATE"].flatMap(Double.init), rate > 0 { settings.rate = rate }
        if let spacing = environment["DJOBEA_GATEWAY_NUMBER_SPACING"].flatMap(Double.init), spacing >= 0 { settings.perNumberSpacing = spacing }
        return settings
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A random secret kept in `file` (0600), made on first use.
    static func secretFile(_ file: URL) throws -> String {
        if let stored = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !stored.isEmpty {
            return stored
        }
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        guard FileManager.default.createFile(atPath: file.path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw GatewaySettingError(line: "Impossible d'écrire \(file.path) : vérifiez les droits du répertoire de données.")
        }
        return secret
    }
}

/// `DJOBEA_PUSH_ALLOW_LOOPBACK=1`: push subscriptions may point to plain `http://` on this machine (local fakes in tests,
/// the demo). Off in production: a gateway never posts to its own loopback services.
public func allowsLoopbackPush(_ environment: [String: String]) -> Bool {
    environment["DJOBEA_PUSH_ALLOW_LOOPBACK"] == "1"
}
