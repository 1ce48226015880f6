import Crypto
import Foundation

/// WhatsApp Cloud webhooks: the subscription handshake, the `X-Hub-Signature-256` check and the payload.
public enum MetaWebhook {
    /// Bodies larger than this are refused before parsing (Meta batches at most a few events per call).
    public static let maximumBodySize = 256 * 1024

    /// Whether `header` (`X-Hub-Signature-256`) is `sha256=` followed by the hexadecimal HMAC-SHA256 of `rawBody` keyed
    /// with the app secret (hex in either case). Compared in constant time; false for a missing header, another
    /// prefix or an empty secret.
    public static func verifySignature(rawBody: [UInt8], header: String?, appSecret: String) -> Bool {
        guard !appSecret.isEmpty, let header = header?.trimmingCharacters(in: .whitespaces) else { return false }
        let prefix = "sha256="
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix,
            let received = WebhookSecurity.hexBytes(header.dropFirst(prefix.count)), received.count == 32
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(received, authenticating: rawBody, using: SymmetricKey(data: Array(appSecret.utf8)))
    }

    /// The answer to Meta's subscription check (`GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`): the
    /// challenge when the mode is `subscribe` and the token equals `verifyToken` (compared in constant time), else nil.
    public static func verificationAnswer(query: [String: String], verifyToken: String) -> String? {
        guard !verifyToken.isEmpty, query["hub.mode"] == "subscribe", let token = query["hub.verify_token"],
            let challenge = query["hub.challenge"]
        else { return nil }
        return WebhookSecurity.constantTimeEqual(Array(token.utf8), Array(verifyToken.utf8)) ? challenge : nil
    }

    /// The status and inbound message events of one webhook call, in the order Meta listed them.
    ///
    /// Changes other than `messages` (template status, account updates) and statuses other than sent, delivered,
    /// read and failed are skipped. An inbound message of a type we do not read (image without caption, sticker,
    /// location…) gives an event with `text` nil, so that it can still be acknowledged.
    ///
    /// - Throws: `WebhookPayloadError` for a body over `maximumBodySize`, malformed JSON or another object than
    ///   `whatsapp_business_account`.
    public static func events(rawBody: [UInt8]) throws -> [WebhookEvent] {
        guard rawBody.count <= maximumBodySize else {
            throw WebhookPayloadError(reason: "webhook WhatsApp trop volumineux (\(rawBody.count) octets, maximum \(maximumBodySize))")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(rawBody))
        } catch {
            throw WebhookPayloadError(reason: "webhook WhatsApp illisible : \(error)")
        }
        guard payload.object == "whatsapp_business_account" else {
            throw WebhookPayloadError(reason: "webhook WhatsApp inattendu : objet « \(payload.object ?? "absent") »")
        }
        var events: [WebhookEvent] = []
        for entry in payload.entry ?? [] {
            for change in entry.changes ?? [] where change.field == "messages" {
                guard let value = change.value else { continue }
                for status in value.statuses ?? [] {
                    if let event = statusEvent(status) { events.append(.status(event)) }
                }
                for message in value.messages ?? [] {
                    if let event = inboundEvent(message, contacts: value.contacts ?? []) { events.append(.inbound(event)) }
                }
            }
        }
        return events
    }

    private static func statusEvent(_ status: Payload.Status) -> StatusEvent? {
        guard let id = status.id, !id.isEmpty, let state = status.status.flatMap(ReportedState.init(rawValue:)) else { return nil }
        let error = status.errors?.first
        var errorText = error?.message ?? error?.title
        if let details = error?.errorData?.details, !details.isEmpty, details != errorText {
            errorText = errorText.map { "\($0) — \(details)" } ?? details
        }
        return StatusEvent(
            externalId: id, messageId: status.bizOpaqueCallbackData.flatMap { $0.isEmpty ? nil : $0 }, state: state,
            errorCode: error?.code.map(String.init), errorText: errorText, at: date(status.timestamp))
    }

    private static func inboundEvent(_ message: Payload.Message, contacts: [Payload.Contact]) -> InboundEvent? {
        guard let id = message.id, !id.isEmpty, let from = message.from, !from.isEmpty else { return nil }
        var text: String?
        var payload: String?
        switch message.type {
        case "text":
            text = message.text?.body
        case "button":
            text = message.button?.text
            payload = message.button?.payload
        case "interactive":
            let reply = message.interactive?.buttonReply ?? message.interactive?.listReply
            text = reply?.title
            payload = reply?.id
        case "image": text = message.image?.caption
        case "video": text = message.video?.caption
        case "document": text = message.document?.caption
        default: text = nil
        }
        let contact = contacts.first { $0.waId == from } ?? (contacts.count == 1 ? contacts.first : nil)
        return InboundEvent(
            externalId: id, from: from.hasPrefix("+") ? from : "+" + from, channel: .whatsapp, text: text, buttonPayload: payload,
            contextExternalId: message.context?.id, profileName: contact?.profile?.name, at: date(message.timestamp))
    }

    /// Meta's timestamps are Unix seconds as strings.
    private static func date(_ timestamp: String?) -> Date? {
        timestamp.flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:))
    }

    // MARK: - Payload

    private struct Payload: Decodable {
        let object: String?
        let entry: [Entry]?

        struct Entry: Decodable {
            let changes: [Change]?
        }

        struct Change: Decodable {
            let field: String?
            let value: Value?
        }

        struct Value: Decodable {
            let statuses: [Status]?
            let messages: [Message]?
            let contacts: [Contact]?
        }

        struct Status: Decodable {
            let id: String?
            let status: String?
            let timestamp: String?
            let recipientId: String?
            let bizOpaqueCallbackData: String?
            let errors: [ErrorDetail]?

            enum CodingKeys: String, CodingKey {
                case id, status, timestamp, errors
                case recipientId = "recipient_id"
                case bizOpaqueCallbackData = "biz_opaque_callback_data"
            }
        }

        struct ErrorDetail: Decodable {
            struct ErrorData: Decodable { let details: String? }
            let code: Int?
            let title: String?
            let message: String?
            let errorData: ErrorData?

            enum CodingKeys: String, CodingKey {
                case code, title, message
                case errorData = "error_data"
            }
        }

        struct Message: Decodable {
            struct Text: Decodable { let body: String? }
            struct Button: Decodable {
                let payload: String?
                let text: String?
            }
            struct Reply: Decodable {
                let id: String?
                let title: String?
            }
            struct Interactive: Decodable {
                let type: String?
                let buttonReply: Reply?
                let listReply: Reply?

                enum CodingKeys: String, CodingKey {
                    case type
                    case buttonReply = "button_reply"
                    case listReply = "list_reply"
                }
            }
            struct Media: Decodable { let caption: String? }
            struct Context: Decodable { let id: String? }

            let from: String?
            let id: String?
            let timestamp: String?
            let type: String?
            let text: Text?
            let button: Button?
            let interactive: Interactive?
            let image: Media?
            let video: Media?
            let document: Media?
            let context: Context?
        }

        struct Contact: Decodable {
            struct Profile: Decodable { let name: String? }
            let profile: Profile?
            let waId: String?

            enum CodingKeys: String, CodingKey {
                case profile
                case waId = "wa_id"
            }
        }
    }
}
