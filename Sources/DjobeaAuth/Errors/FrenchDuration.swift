/// Durations as a provider reads them in a message: "5 minutes", "1 minute", "45 secondes", "2 heures".
enum FrenchDuration {
    static func describe(seconds: Int) -> String {
        let seconds = max(1, seconds)
        if seconds % 3600 == 0 { return plural(seconds / 3600, "heure") }
        if seconds >= 60 && seconds % 60 == 0 { return plural(seconds / 60, "minute") }
        if seconds > 120 { return plural((seconds + 59) / 60, "minute") }
        return plural(seconds, "seconde")
    }

    private static func plural(_ count: Int, _ unit: String) -> String {
        "\(count) \(unit)\(count > 1 ? "s" : "")"
    }
}
