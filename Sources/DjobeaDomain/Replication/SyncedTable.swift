/// The tables whose rows travel between nodes. Every write to one of them goes through `SyncedTransaction`,
/// which appends to the change log in the same transaction; a node's storage refuses any other write (SQLite: `CaptureGuard`).
///
/// The order is a dependency order (a row's foreign keys point to tables earlier in the list), which is the
/// order a fresh node replays a snapshot in.
public enum SyncedTable: String, CaseIterable, Sendable, Codable {
    case hubs, zones, services
    case commissionRates = "commission_rates"
    case gatewayKeys = "gateway_keys"
    case providers
    case providerCredentials = "provider_credentials"
    case providerZones = "provider_zones"
    case providerServices = "provider_services"
    case providerCertifications = "provider_certifications"
    case providerSettings = "provider_settings"
    case pushSubscriptions = "push_subscriptions"
    case absences, goals, badges, clients
    case serviceRequests = "service_requests"
    case requestOffers = "request_offers"
    case missionEvents = "mission_events"
    case missionMaterials = "mission_materials"
    case missionWorkSessions = "mission_work_sessions"
    case photos, ratings
    case messageTemplates = "message_templates"
    case messages
    case callLogs = "call_logs"
    case notifications
    case quoteTemplates = "quote_templates"
    case quotes
    case quoteLines = "quote_lines"
    case invoices
    case invoiceLines = "invoice_lines"
    case ledgerEntries = "ledger_entries"
    case paymentReminders = "payment_reminders"
    case collections
    case creditNotes = "credit_notes"

    /// Append-only tables: rows are inserted once and never updated or deleted, a protocol rule (`ReplicationPolicy`,
    /// SPEC §4.2) that SQLite triggers enforce locally too. A commission rate version is one: a new version supersedes
    /// it (`effective_from`), so a commission derived from it never changes.
    public var isAppendOnly: Bool {
        self == .missionEvents || self == .ledgerEntries || self == .commissionRates
    }
}
