import Foundation

/// The state of a message to a client, as the provider sees it on the message: en file → envoyé → remis → lu, or
/// échec with a reason.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case queued, sent, delivered, read, failed

    /// The French label shown on the message.
    public var labelFR: String {
        switch self {
        case .queued: "En file"
        case .sent: "Envoyé"
        case .delivered: "Remis"
        case .read: "Lu"
        case .failed: "Échec"
        }
    }

    private var rank: Int {
        switch self {
        case .queued: 0
        case .sent: 1
        case .delivered: 2
        case .read: 3
        case .failed: 1
        }
    }

    /// The state after an outside service reports `reported`, or nil when the report changes nothing.
    ///
    /// States only move forward: a late "delivered" after "read" is ignored (webhooks arrive in any order); a
    /// failure counts only before the message was delivered; a failed message stays failed (a fallback to SMS is
    /// a new attempt the gateway starts itself, not a report).
    public func advanced(by reported: DeliveryStatus) -> DeliveryStatus? {
        switch (self, reported) {
        case (.failed, _), (_, .queued): return nil
        case (.queued, .failed), (.sent, .failed): return .failed
        case (_, .failed): return nil
        default: return reported.rank > rank ? reported : nil
        }
    }
}

/// What a client's inbound message means. The gateway reads it once; the hub acts on it.
public enum InboundIntent: Equatable, Sendable {
    /// Plain text for the provider.
    case text
    /// A bare digit (or a quick-reply payload) whose meaning depends on what we last asked: a slot (1 = yes,
    /// 2 = no) or a rating (1–5). `comment` is what followed the digit, if anything.
    case digit(Int, comment: String?)
    case slotYes
    case slotNo
    case rating(Int, comment: String?)
    /// "STOP": no more non-essential messages.
    case stop
    /// "START" after a STOP.
    case start

    /// Reads a message: the button payload first (`creneau_oui`, `creneau_non`, `note_4`), then the text.
    public static func parse(text: String?, buttonPayload: String?) -> InboundIntent {
        if let payload = buttonPayload?.lowercased() {
            switch payload {
            case "creneau_oui": return .slotYes
            case "creneau_non": return .slotNo
            default:
                if payload.hasPrefix("note_"), let stars = Int(payload.dropFirst(5)), (1...5).contains(stars) {
                    return .rating(stars, comment: nil)
                }
            }
        }
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return .text }
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "fr_FR"))
            .trimmingCharacters(in: .punctuationCharacters.union(.whitespaces))
        if ["stop", "arret", "desabonner", "stop djobea"].contains(folded) { return .stop }
        if ["start", "reprendre", "abonner"].contains(folded) { return .start }
        guard let first = text.first, let digit = first.wholeNumberValue, (1...5).contains(digit) else { return .text }
        let rest = text.dropFirst()
        // "4", "4/5", "4 très bien", "4. Merci": a digit standing alone at the start.
        if let next = rest.first, next.isNumber { return .text }
        var comment = String(rest)
        if comment.hasPrefix("/5") { comment = String(comment.dropFirst(2)) }
        comment = comment.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ".,;:-–!")))
        // SQLite counts code points: cut there, not at grapheme clusters.
        return .digit(digit, comment: comment.isEmpty ? nil : String(String.UnicodeScalarView(comment.unicodeScalars.prefix(1000))))
    }

    /// The value stored in `messages.intent`.
    public var code: String {
        switch self {
        case .text, .digit: "text"
        case .slotYes: "slot_yes"
        case .slotNo: "slot_no"
        case .rating: "rating"
        case .stop: "stop"
        case .start: "start"
        }
    }
}
