import DjobeaDomain
import DjobeaStore
import Foundation

// The JSON bodies of the provider's request actions. Keys are snake_case; unknown keys are ignored.

struct DeclineBody: Codable, Sendable {
    let reason: DeclineReason
    let note: String?
}

struct UpdateStatusBody: Codable, Sendable {
    let stage: MissionStage
    let note: String?
}

struct MessageBody: Codable, Sendable {
    let templateCode: String?
    let body: String?
    let variables: [String: String]?
}

struct AskDetailsBody: Codable, Sendable {
    let questionCode: String?
    let question: String?
}

struct PostponeBody: Codable, Sendable {
    let start: String
    let end: String
    let note: String?
}

struct CallBody: Codable, Sendable {
    let direction: CallDirection
    let startedAt: String
    let durationSeconds: Int
    let note: String?
}

struct CallNoteBody: Codable, Sendable {
    let note: String?
}

struct SeenBody: Codable, Sendable {
    let offerIds: [String]?
    let notificationIds: [String]?
}

struct AwayBody: Codable, Sendable {
    let away: Bool
    let until: String?
    let message: String?
}

struct AbsenceBody: Codable, Sendable {
    let start: String
    let end: String
    let reason: String?
    let notifyClients: Bool?
}

struct SeenResult: Codable, Sendable {
    let marked: Int
}

/// Parses a UTC ISO time field of a body, or answers 422 naming it.
func timestamp(_ text: String, field: String) throws -> Date {
    if let date = UTCTimestamp.parse(text) { return date }
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    throw APIError.invalidParameter(field, "date ISO 8601 attendue (ex. 2026-12-02T08:00:00Z)")
}

// MARK: - Mission work (MissionWorkController)

struct MaterialBody: Codable, Sendable {
    let label: String
    let quantity: Int
    let unitPrice: Int
}

struct TimerBody: Codable, Sendable {
    let action: MissionTimerAction
    /// The phone's time of the tap, UTC ISO 8601.
    let at: String
}

struct MissionPhotoBody: Codable, Sendable {
    let kind: String
    let sha256: String
    let thumbSha256: String?
    let mime: String
    let width: Int
    let height: Int
    let takenAt: String
}

struct PaymentRequestBody: Codable, Sendable {
    /// Main d'œuvre, integer francs > 0.
    let labour: Int
    /// Déplacement, integer francs ≥ 0.
    let travel: Int?
    let note: String?
    /// false: keep the invoice as a draft to edit and send later (default true: sent now).
    let send: Bool?
}

/// `PUT /provider/finance/invoices/{invoice_id}`: the draft's lines, all of them.
struct InvoiceDraftBody: Codable, Sendable {
    let lines: [QuoteLineInput]
}

/// `POST /provider/finance/invoices/{invoice_id}/send`.
struct InvoiceSendBody: Codable, Sendable {
    /// Added after the detailed amount in the message (≤ 500 characters).
    let note: String?
}

/// `POST /provider/requests/{id}/collections`.
struct CollectionBody: Codable, Sendable {
    /// mtn_momo or orange_money.
    let method: String
    /// The number the operator prompts; the client's by default.
    let payerPhone: String?
    /// Francs; what is left to pay by default.
    let amount: Int?
}

/// `POST /provider/requests/{id}/quotes`: typed lines, or a template's.
struct QuoteBody: Codable, Sendable {
    let lines: [QuoteLineInput]?
    let templateId: String?
    /// Days the quote stands (1 to 90, 15 by default).
    let validDays: Int?
}

/// `POST /provider/quote-templates`.
struct QuoteTemplateBody: Codable, Sendable {
    let title: String
    /// The service's code.
    let service: String
    let lines: [QuoteLineInput]
}

/// `PUT /provider/quotes/{id}`: a draft's new lines.
struct QuoteEditBody: Codable, Sendable {
    let lines: [QuoteLineInput]
    let validDays: Int?
}
