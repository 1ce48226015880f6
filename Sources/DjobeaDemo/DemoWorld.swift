import DjobeaDomain
import Foundation

/// A provider as planned: who they are and how they behave (speed, acceptance, quality).
struct DemoProvider {
    let ref = RowRef()
    let name: String
    let firstName: String
    let phone: String
    let email: String?
    let services: [ServiceCode]
    /// Indices into `Bonamoussadi.quarters`; the first is home.
    let zones: [Int]
    let level: ProviderLevel
    let isDemo: Bool
    let joinedAt: Date
    /// Share of offers they get among equals.
    let weight: Double
    /// Multiplies answer delays: 0.5 is quick, 2 is slow.
    let speed: Double
    /// Chance to accept an offer they answer.
    let acceptShare: Double
    /// Their usual rating.
    var quality: Double
    /// Missions done before the demo period (for the "cent missions" badge).
    let pastMissions: Int
    var absences: [DateInterval] = []
    /// Away mode from this time on (the provider currently away).
    var awaySince: Date?

    func isAvailable(at time: Date) -> Bool {
        if let awaySince, time >= awaySince { return false }
        return !absences.contains { $0.start <= time && time < $0.end }
    }
}

struct DemoClient {
    let ref = RowRef()
    let name: String
    let firstName: String
    let phone: String
    let zone: Int
    let address: String
    let createdAt: Date
}

/// What the plan produced, for goals, badges and the summary.
struct DemoStats {
    struct Completion {
        let provider: Int
        let completedAt: Date
        let total: Int
        let stars: Int?
    }

    struct Response {
        let provider: Int
        let answeredAt: Date
        let seconds: TimeInterval
    }

    var completions: [Completion] = []
    var responses: [Response] = []
}

/// Ids of the reference rows, found in the database or derived from their codes (the same on every node).
struct DemoReference {
    var hubId: String
    var zoneIds: [String]
    var serviceIds: [ServiceCode: String]
    var hubExists: Bool
    var existingZones: Set<String>
    var existingServices: Set<ServiceCode>
    var hasCommissionRates: Bool
    var hasTemplates: Bool
}

/// The planning state: the people, the reference ids, the timeline being filled, and the random stream.
struct DemoWorld {
    var rng: DemoRandom
    let now: Date
    let days: Int
    let scale: Int
    let calendar = DoualaCalendar()
    /// Local midnight of the first demo day.
    let windowStart: Date
    /// When the hub and its catalogue were set up, long before the demo period.
    let setupTime: Date
    let reference: DemoReference
    var providers: [DemoProvider] = []
    /// Sorted by `createdAt`.
    var clients: [DemoClient] = []
    var timeline: Timeline
    var stats = DemoStats()
    var usedPhones: Set<String> = []
    var usedOperatorRefs: Set<String> = []

    init(seed: UInt64, now: Date, days: Int, scale: Int, reference: DemoReference) {
        self.rng = DemoRandom(seed: seed)
        self.now = now
        self.days = days
        self.scale = scale
        let calendar = DoualaCalendar()
        self.windowStart = calendar.startOfDay(now).addingTimeInterval(-Double(days - 1) * 86_400)
        self.setupTime = windowStart.addingTimeInterval(-420 * 86_400)
        self.reference = reference
        self.timeline = Timeline(horizon: now)
    }

    var quarters: [Zone] { Bonamoussadi.quarters }

    /// 0 at the start of the period, 1 at `now`.
    func progress(_ time: Date) -> Double {
        let span = now.timeIntervalSince(windowStart)
        return span > 0 ? min(1, max(0, time.timeIntervalSince(windowStart) / span)) : 1
    }

    // MARK: - Small generators

    /// A unique Cameroonian mobile number: +237 6, then 5…9, then seven digits.
    mutating func uniquePhone() -> String {
        while true {
            let phone = "+2376\(rng.int(5...9))" + rng.digits(7)
            if usedPhones.insert(phone).inserted { return phone }
        }
    }

    mutating func address(in zone: Int) -> String {
        let own = DemoCatalogue.quarterLandmarks[quarters[zone].code] ?? []
        let landmark = !own.isEmpty && rng.chance(0.35) ? rng.pick(own) : rng.pick(DemoCatalogue.landmarks)
        let detail = rng.pick(DemoCatalogue.addressDetails)
        let place = "\(landmark), \(quarters[zone].nameFR)"
        return detail.isEmpty ? place : "\(place) – \(detail)"
    }

    /// A mobile-money transaction id as the operators print them, unique in the demo.
    mutating func operatorRef(_ method: PaymentMethod, at time: Date) -> String {
        let day = calendar.dayKey(time).replacingOccurrences(of: "-", with: "").dropFirst(2)
        let seconds = Int(time.timeIntervalSince1970) + DoualaCalendar.utcOffset
        let hhmm = String(format: "%02d%02d", (seconds / 3_600) % 24, (seconds / 60) % 60)
        while true {
            let letter = rng.pick(["A", "B", "C", "D", "E", "F"])
            let ref =
                method == .mtnMomo
                ? "MP\(day)\(hhmm).\(rng.digits(4)).\(letter)\(rng.digits(5))"
                : "PP\(day).\(hhmm).\(letter)\(rng.digits(5))"
            if usedOperatorRefs.insert(ref).inserted { return ref }
        }
    }

    /// `time` moved into working hours (07:30–18:30 local) if it falls outside them.
    mutating func daytime(_ time: Date) -> Date {
        let hour = calendar.hour(time)
        if hour >= 8 && hour < 18 { return time }
        var day = calendar.startOfDay(time)
        if hour >= 18 { day = day.addingTimeInterval(86_400) }
        return day.addingTimeInterval(rng.minutes(7.5 * 60, 10.5 * 60))
    }

    /// When a provider opens a notification made at `time`: minutes to hours later, or not yet if it is recent.
    mutating func seen(after time: Date) -> Date? {
        let seen = time.addingTimeInterval(rng.minutes(2, 240))
        return seen <= now ? seen : nil
    }

    /// A local wall time on the day of `day`.
    func local(_ day: Date, hour: Int, minute: Int = 0) -> Date {
        calendar.startOfDay(day).addingTimeInterval(Double(hour * 3_600 + minute * 60))
    }
}

/// Why the generator stopped.
public enum DemoGeneratorError: Error, CustomStringConvertible, Sendable {
    /// The database already holds history at or after the demo's first day: replaying older history into it
    /// would give the demo rows clocks later than their real times.
    case databaseNotEmpty(String)
    case missingPhoto(String)
    /// A planned row was referred to before it was written (a bug in the plan's order).
    case unwrittenRow
    case invalidParameters(String)

    public var description: String {
        switch self {
        case .databaseNotEmpty(let detail): "La base contient déjà des données (\(detail)) : la démo s'écrit dans une base neuve."
        case .missingPhoto(let name): "Photo de démonstration introuvable : \(name)"
        case .unwrittenRow: "Ligne référencée avant d'être écrite (ordre du scénario)"
        case .invalidParameters(let detail): "Paramètres invalides : \(detail)"
        }
    }
}
