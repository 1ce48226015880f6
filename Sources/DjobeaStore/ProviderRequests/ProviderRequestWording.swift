import DjobeaDomain
import Foundation

/// The French phrases of the requests screens, as pure functions.
public enum ProviderRequestWording {
    /// "à l'instant", "il y a 15 min", "il y a 2 h", "il y a 3 j" (whole units, rounded down).
    ///
    /// A time in the future (a clock ahead) reads "à l'instant".
    public static func ago(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded(.down))
        switch seconds {
        case ..<60: return "à l'instant"
        case ..<3_600: return "il y a \(seconds / 60) min"
        case ..<86_400: return "il y a \(seconds / 3_600) h"
        default: return "il y a \(seconds / 86_400) j"
        }
    }

    /// "15 000 – 25 000 FCFA", "À partir de 15 000 FCFA", "Jusqu'à 25 000 FCFA", or "Budget à discuter".
    public static func budget(min: Int?, max: Int?) -> String {
        switch (min, max) {
        case (let low?, let high?) where low == high: XAF(low).formatted
        case (let low?, let high?): bare(XAF(low)) + " – " + XAF(high).formatted
        case (let low?, nil): "À partir de " + XAF(low).formatted
        case (nil, let high?): "Jusqu'à " + XAF(high).formatted
        case (nil, nil): "Budget à discuter"
        }
    }

    /// "+237 6XX XXX X56": the first digit and the last two, so that the provider recognises a number
    /// without being able to call it before accepting.
    public static func maskedPhone(_ e164: String) -> String {
        let national = Array(e164.hasPrefix("+237") ? e164.dropFirst(4) : Substring(e164))
        guard national.count == 9, let first = national.first else { return "+237 XXX XXX XXX" }
        return "+237 \(first)XX XXX X" + String(national.suffix(2))
    }

    /// The first word of a name: "Jean" for "Jean Kouam".
    public static func firstName(_ name: String) -> String {
        name.split(separator: " ").first.map(String.init) ?? name
    }

    /// "mardi 2 décembre entre 9 h et 11 h" in Douala time; across two days
    /// "du mardi 2 décembre à 18 h au mercredi 3 décembre à 9 h 30".
    public static func slot(start: Date, end: Date) -> String {
        let from = local(start)
        let to = local(end)
        if from.day == to.day {
            return "\(from.day) entre \(from.time) et \(to.time)"
        }
        return "du \(from.day) à \(from.time) au \(to.day) à \(to.time)"
    }

    /// "3 min 20 s", "45 s", "1 h 05 min".
    public static func duration(seconds: Int) -> String {
        let value = max(0, seconds)
        if value < 60 { return "\(value) s" }
        if value < 3_600 { return value % 60 == 0 ? "\(value / 60) min" : "\(value / 60) min \(value % 60) s" }
        let minutes = value / 60 % 60
        return "\(value / 3_600) h " + (minutes < 10 ? "0" : "") + "\(minutes) min"
    }

    /// "4,8/5 (12 avis)", "Nouveau client" or "3 demandes, aucun avis".
    public static func clientReputation(averageStars: Double?, ratings: Int, requests: Int) -> String {
        if let averageStars, ratings > 0 {
            let tenths = Int((averageStars * 10).rounded())
            return "\(tenths / 10),\(tenths % 10)/5 (\(ratings) avis)"
        }
        return requests <= 1 ? "Nouveau client" : "\(requests) demandes, aucun avis"
    }

    // MARK: - Dates

    static let weekdays = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
    static let months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]

    static let doualaCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DoualaCalendar.timeZone
        return calendar
    }()

    /// "mardi 2 décembre" and "9 h" / "9 h 30".
    static func local(_ date: Date) -> (day: String, time: String) {
        let parts = doualaCalendar.dateComponents([.weekday, .day, .month, .hour, .minute], from: date)
        let weekday = weekdays[((parts.weekday ?? 1) - 1) % 7]
        let month = months[((parts.month ?? 1) - 1) % 12]
        let day = parts.day ?? 1
        let minute = parts.minute ?? 0
        let time = "\(parts.hour ?? 0) h" + (minute == 0 ? "" : minute < 10 ? " 0\(minute)" : " \(minute)")
        return ("\(weekday) \(day == 1 ? "1er" : String(day)) \(month)", time)
    }

    /// An amount without its unit: "15 000".
    private static func bare(_ amount: XAF) -> String {
        amount.formatted.replacingOccurrences(of: "\u{00A0}FCFA", with: "")
    }
}
