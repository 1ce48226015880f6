import DjobeaDomain
import Foundation

/// The French the ops person reads: conflict kinds and rules, ages, sizes, offsets. Pure functions.
enum OpsWording {
    // MARK: - Conflicts

    /// A plain-French label for a conflict kind (SPEC.md §4.6); unknown kinds are named as they are.
    static func kindLabel(_ kind: String) -> String {
        if let mission = MissionConflictKind(rawValue: kind) {
            return mission == .lateCancellation ? "Annulation tardive : le prestataire avait déjà commencé" : mission.defaultMessageFR
        }
        switch kind {
        case "owner_only": return "Modification refusée : champ réservé au propriétaire"
        case "update_after_delete": return "Modification après suppression : la suppression l'emporte"
        case "append_only": return "Modification refusée : enregistrement en ajout seul"
        case "constraint_violation": return "Ligne refusée par une règle de la base (doublon, valeur interdite)"
        case "out_of_partition": return "Modification d'un hub hors de sa zone : mise de côté, sans effet"
        case LedgerConflictKind.duplicateTransaction.rawValue: return "Paiement en double : même transaction enregistrée deux fois"
        case LedgerConflictKind.duplicateTransactionAmountMismatch.rawValue:
            return "Paiement en double avec des montants différents : vérifiez le montant"
        case LedgerConflictKind.duplicateReversal.rawValue: return "Remboursement en double d'une même écriture"
        case LedgerConflictKind.reversalOfDuplicate.rawValue: return "Remboursement d'un paiement en double, déjà exclu"
        default: return "Conflit « \(kind) »"
        }
    }

    static func severity(_ kind: String) -> ConflictSeverity {
        if let mission = MissionConflictKind(rawValue: kind) { return mission.severity }
        if let ledger = LedgerConflictKind(rawValue: kind) { return ledger.severity }
        return .warning
    }

    /// The deciding rule in a few words (CONFLICTS.md, SPEC.md §4.6).
    static func ruleLabel(_ rule: String) -> String {
        let summaries: [String: String] = [
            "CONFLICTS-1": "la première attribution l'emporte",
            "CONFLICTS-2": "l'ordre de réception au hub décide",
            "CONFLICTS-3": "annulation avant acceptation : offres closes",
            "CONFLICTS-4": "le statut suit les événements, les étapes n'avancent que vers l'avant",
            "CONFLICTS-5": "terminé contre annulé : la première étape de travail ou l'annulation l'emporte",
            "CONFLICTS-6": "horloge en avance signalée",
            "CONFLICTS-7": "écriture comptable jamais modifiée, correction par contre-écriture",
            "CONFLICTS-8": "même transaction opérateur = un seul paiement",
            "CONFLICTS-12": "le dernier écrit l'emporte, seulement pour le propriétaire du champ",
            "CONFLICTS-13": "la suppression l'emporte",
            "CONFLICTS-14": "changement de partition",
            "SPEC-4.6": "contrainte de la base",
            "SPEC-5": "un hub n'écrit que dans sa partition (ses zones)",
        ]
        let number = rule.hasPrefix("CONFLICTS-") ? "Règle \(rule.dropFirst("CONFLICTS-".count))" : rule
        guard let summary = summaries[rule] else { return number }
        return "\(number) : \(summary)"
    }

    static func tableLabel(_ table: String) -> String {
        let labels: [String: String] = [
            "ledger_entries": "Paiements", "mission_events": "Événements de mission", "service_requests": "Demandes",
            "providers": "Prestataires", "clients": "Clients", "request_offers": "Offres", "invoices": "Factures",
        ]
        return labels[table] ?? table
    }

    // MARK: - Quantities

    /// "12 s", "5 min", "3 h 05", "2 j".
    static func duration(seconds: Int) -> String {
        switch seconds {
        case ..<60: return "\(max(0, seconds)) s"
        case ..<3600: return "\(seconds / 60) min"
        case ..<86_400: return String(format: "%d h %02d", seconds / 3600, (seconds % 3600) / 60)
        default: return "\(seconds / 86_400) j"
        }
    }

    /// "il y a 5 min".
    static func ago(seconds: Int) -> String { "il y a \(duration(seconds: seconds))" }

    /// A sync interval: "10 s", "0,5 s", "2 min".
    static func interval(seconds: Double) -> String {
        if seconds < 60, seconds != seconds.rounded() { return decimal(seconds) + " s" }
        return duration(seconds: Int(seconds))
    }

    /// Bytes in o, Ko or Mo with a decimal comma (1 Ko = 1 024 o).
    static func size(bytes: Int64) -> String {
        switch bytes {
        case ..<1024: return "\(max(0, bytes)) o"
        case ..<(1024 * 1024): return decimal(Double(bytes) / 1024) + " Ko"
        default: return decimal(Double(bytes) / 1_048_576) + " Mo"
        }
    }

    /// A clock offset with its sign: "+2,5 s", "−7 min".
    static func offset(milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "−" : "+"
        let magnitude = abs(milliseconds)
        if magnitude < 1000 { return "\(sign)\(magnitude) ms" }
        if magnitude < 60_000 { return sign + decimal(Double(magnitude) / 1000) + " s" }
        return sign + duration(seconds: Int(magnitude / 1000))
    }

    /// A count with a narrow no-break space between thousands: "12 345".
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "\u{202F}" }
            out.append(digit)
        }
        return value < 0 ? "−" + out : out
    }

    /// A UTC timestamp as "02/03/2026 08:05 UTC" (or the text itself if unreadable).
    static func timestamp(_ text: String) -> String {
        guard let date = UTCTimestamp.parse(text) else { return text }
        return timestamp(date)
    }

    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%02d/%02d/%04d %02d:%02d UTC", parts.day ?? 0, parts.month ?? 0, parts.year ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    /// One decimal, comma, trailing ",0" dropped.
    static func decimal(_ value: Double) -> String {
        let text = String(format: "%.1f", value).replacingOccurrences(of: ".", with: ",")
        return text.hasSuffix(",0") ? String(text.dropLast(2)) : text
    }
}
