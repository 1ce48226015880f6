import DjobeaDomain
import Foundation

/// Field checks shared by the profile, settings and availability commands. Each throws
/// `ProviderAccountError.invalidField` naming the field, with a French reason.
enum AccountValidation {
    /// The largest indicative rate a provider may show, in francs.
    static let maxRate = 10_000_000

    /// Trimmed text, nil when empty: an empty string clears an optional field.
    static func cleaned(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// SQLite's `length()` counts code points, not grapheme clusters: the CHECK constraints count the same way.
    static func length(_ text: String) -> Int { text.unicodeScalars.count }

    static func requireLength(_ text: String, max: Int, field: String) throws {
        guard length(text) <= max else {
            throw ProviderAccountError.invalidField(field: field, reasonFR: "\(max) caractères au maximum")
        }
    }

    /// A plain e-mail address, lowercased: one `@`, a local part of 1...64 printable characters, a domain of dotted
    /// labels (letters, digits, hyphens), 254 characters at most. Nil when it is not one.
    static func normalizedEmail(_ text: String) -> String? {
        let email = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2 else { return nil }
        let local = parts[0]
        let domain = parts[1]
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
        guard (1...64).contains(local.count), local.allSatisfy(localAllowed.contains), !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains("..")
        else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelAllowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard labels.count >= 2,
            labels.allSatisfy({ label in
                (1...63).contains(label.count) && label.allSatisfy(labelAllowed.contains) && !label.hasPrefix("-") && !label.hasSuffix("-")
            }), let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter)
        else { return nil }
        return email
    }

    /// A SHA-256 in lowercase hex (64 characters), as photos are named; nil when it is not one.
    static func normalizedSHA256(_ text: String) -> String? {
        let hex = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return hex
    }

    /// An amount in whole francs within 0...`maxRate`.
    static func requireRate(_ value: Int?, field: String) throws {
        guard let value else { return }
        guard (0...maxRate).contains(value) else {
            throw ProviderAccountError.invalidField(
                field: field, reasonFR: "un montant entier entre 0 et \(XAF(maxRate).formatted) est attendu")
        }
    }

    /// Minutes since midnight of an "HH:MM" clock time (00:00...23:59), or nil.
    static func clockMinutes(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
            bytes.enumerated().allSatisfy({ $0.offset == 2 || (48...57).contains($0.element) })
        else { return nil }
        let hours = Int(bytes[0] - 48) * 10 + Int(bytes[1] - 48)
        let minutes = Int(bytes[3] - 48) * 10 + Int(bytes[4] - 48)
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }

    /// A real calendar day written "YYYY-MM-DD", or nil.
    static func dayKey(_ text: String) -> String? {
        let day = text.trimmingCharacters(in: .whitespaces)
        guard day.utf8.count == 10, DoualaCalendar().startOfDay(dayKey: day) != nil else { return nil }
        return day
    }

    /// Refuses any field the decoder saw but the command does not know.
    static func refuseUnknown(_ fields: [String]) throws {
        if let first = fields.sorted().first { throw ProviderAccountError.unknownField(field: first) }
    }
}
