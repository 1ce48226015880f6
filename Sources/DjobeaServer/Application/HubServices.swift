import DjobeaAuth
import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

/// Which WhatsApp driver a node sends through.
public enum NotifierChoice: String, Sendable, CaseIterable {
    /// Prints each message and appends it to `<data>/outbox/whatsapp.jsonl` (development, demo, tests).
    case console
    /// Twilio's Messages API (`TWILIO_*` variables, see `NotifierEnvironment`).
    case twilio
    /// Meta's WhatsApp Cloud API (`WHATSAPP_CLOUD_*` variables, see `NotifierEnvironment`).
    case whatsappCloud = "whatsapp-cloud"
}

/// Everything a hub runs besides its routes: authentication, the WhatsApp queue, offer routing.
public struct HubServices: Sendable {
    public var provider: ProviderAPIServices
    public let background: [BackgroundLoop]

    /// Wires a hub from its data directory and the process environment (`PROVIDER_JWT_SECRET`, `PROVIDER_TOTP_KEY`,
    /// `PROVIDER_SESSION_DURATION`, `PROVIDER_OTP_EXPIRY`, `RATE_LIMIT_PROVIDER`, `DJOBEA_RESPONSE_CACHE`).
    public static func make(
        database: NodeDatabase, dataDirectory: URL, notifier: NotifierChoice, environment: [String: String], logger: Logger
    ) async throws -> HubServices {
        let settings = try AuthSettings.fromEnvironment(environment)
        let reminders = try PaymentReminderSchedule.parse(environment["DJOBEA_REMINDER_DAYS"])
        let keys = try TokenKeys.load(environment: environment, dataDirectory: dataDirectory)
        let seedKey = try TOTPSeedKey.load(environment: environment, dataDirectory: dataDirectory)
        if environment["PROVIDER_TOTP_KEY"] == nil {
            logger.info(
                "auth.totp.node_key",
                metadata: ["hint": "PROVIDER_TOTP_KEY unset: TOTP seeds sealed with secrets/totp.key, readable on this node only"])
        }
        let driver: any WhatsAppNotifier
        switch notifier {
        case .console: driver = ConsoleNotifier(outboxDirectory: dataDirectory.appendingPathComponent("outbox", isDirectory: true))
        case .twilio: driver = try NotifierEnvironment.twilio(environment)
        case .whatsappCloud: driver = try NotifierEnvironment.whatsAppCloud(environment)
        }
        let queue = WhatsAppQueue(database: database, notifier: driver, keys: keys, logger: logger)
        let auth = await ProviderAuthService(
            database: database, keys: keys, seedKey: seedKey, notifications: queue, settings: settings, logger: logger)
        return HubServices(
            provider: ProviderAPIServices(
                auth: auth, limiter: RateLimiter(limit: settings.requestRate), responseCache: .fromEnvironment(environment)),
            background: [
                BackgroundLoop(name: "whatsapp-queue") { await queue.run() },
                offerRoutingLoop(database: database, logger: logger),
                slotAnswersLoop(database: database, logger: logger),
                paymentRemindersLoop(database: database, schedule: reminders, logger: logger),
            ])
    }
}

/// Applies the clients' "1"/"2" answers that reached this hub by sync to its open slot proposals (they live here).
func slotAnswersLoop(database: NodeDatabase, logger: Logger, interval: Duration = .seconds(5)) -> BackgroundLoop {
    BackgroundLoop(name: "slot-answers") {
        while !Task.isCancelled {
            do {
                let answered = try await database.bookkeepingWrite { db in try GatewayInbound.applySlotAnswers(in: db) }
                if answered > 0 { logger.info("gateway.slot.answered", metadata: ["count": "\(answered)"]) }
            } catch {
                if error is CancellationError { return }
                logger.error("gateway.slot.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}

/// Reminds clients of overdue invoices by themselves (`DJOBEA_REMINDER_DAYS`, SPEC.md §4.8): the hub owns its
/// providers' invoices and writes the reminder; the gateway sends the queued WhatsApp message.
func paymentRemindersLoop(
    database: NodeDatabase, schedule: PaymentReminderSchedule, logger: Logger, interval: Duration = .seconds(300)
) -> BackgroundLoop {
    BackgroundLoop(name: "payment-reminders") {
        while !Task.isCancelled {
            do {
                let sent = try await InvoiceReminders.sendDue(schedule: schedule, database: database)
                if sent > 0 { logger.info("invoice.reminders.sent", metadata: ["count": "\(sent)"]) }
            } catch {
                if error is CancellationError { return }
                logger.error("invoice.reminders.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
