import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB

/// Where the generator is, for a live progress line.
public struct DemoProgress: Sendable, Hashable {
    /// What is being written, in French ("Demandes, missions et paiements").
    public let phase: String
    /// 0...1 over the whole run.
    public let fraction: Double
    /// The simulated day being written ("samedi 14 mars"), when there is one.
    public let detail: String?
}

/// A demo provider to log in as.
public struct DemoProviderLogin: Sendable, Hashable {
    public let name: String
    /// E.164, as stored ("+237677123456").
    public let phone: String
    /// French service names.
    public let services: [String]
}

/// What the generator wrote, counted in the database afterwards.
public struct DemoSummary: Sendable {
    public let seed: UInt64
    public let days: Int
    public let scale: Int
    /// Local midnight of the first day, and the generator's `now`.
    public let from: Date
    public let to: Date
    public let providers: Int
    public let clients: Int
    public let requests: Int
    public let offers: Int
    /// Requests by folded status (`missions.status`).
    public let statusCounts: [String: Int]
    public let missionsCompleted: Int
    /// Arrivé, Diagnostic or Réparation right now.
    public let missionsInProgress: Int
    public let invoices: Int
    public let payments: Int
    /// Francs received (payments minus reversals).
    public let paymentsTotal: Int
    public let commissionTotal: Int
    public let ratings: Int
    public let averageRating: Double
    public let messages: Int
    public let callLogs: Int
    public let notifications: Int
    public let unseenNotifications: Int
    public let photos: Int
    /// Change-log rows: every synced write.
    public let changes: Int
    public let demoProviders: [DemoProviderLogin]
}

/// Deterministic demo data for the Bonamoussadi hub: a few months of a neighbourhood's life.
///
/// The same seed, `now` and scale give the same rows, ids included. Write into a new database: history is
/// replayed in time order through the change log, so the database must hold nothing newer than the demo.
public struct DemoGenerator: Sendable {
    public let seed: UInt64
    public let days: Int
    public let scale: Int
    public let now: Date

    /// - Parameters:
    ///   - seed: the random seed.
    ///   - days: how many local days of history, today included.
    ///   - scale: multiplies providers, clients and request volume (not days).
    ///   - now: the end of the history; nothing is written after it.
    public init(seed: UInt64 = 2026, days: Int = 90, scale: Int = 1, now: Date) {
        self.seed = seed
        self.days = days
        self.scale = scale
        self.now = now
    }

    /// Plans the whole history, then writes it in time order, a few hundred rows per transaction.
    ///
    /// - Parameters:
    ///   - database: a new hub database.
    ///   - photos: where before/after photo bytes go; nil writes no photos.
    ///   - progress: called after each transaction.
    public func generate(into database: NodeDatabase, photos: PhotoLibrary?, progress: (DemoProgress) -> Void) throws -> DemoSummary {
        guard days >= 1, days <= 3_650 else { throw DemoGeneratorError.invalidParameters("days = \(days)") }
        guard scale >= 1, scale <= 100 else { throw DemoGeneratorError.invalidParameters("scale = \(scale)") }
        progress(DemoProgress(phase: "Préparation du scénario", fraction: 0, detail: nil))
        let reference = try database.readBlocking { db in try DemoReference.resolve(in: db) }
        var world = DemoWorld(seed: seed, now: now, days: days, scale: scale, reference: reference)
        try checkEmpty(database, since: world.setupTime)

        world.planProviders()
        world.planReferenceData()
        world.planAbsences()
        world.planClients()
        world.planRequestVolume()
        world.planDemoScenarios()
        world.planGoals()
        world.planBadges()
        let actions = world.timeline.ordered()
        progress(DemoProgress(phase: "Préparation du scénario", fraction: 0.05, detail: "\(actions.count) étapes"))

        let state = DemoWriterState(rng: DemoRandom(seed: seed ^ 0x1d5_de30_0000_0001), photos: photos)
        let windowStart = world.windowStart
        try TimelineRunner.run(actions, database: database, state: state) { done, last in
            let inPeriod = last.time >= windowStart
            progress(
                DemoProgress(
                    phase: inPeriod ? "Demandes, missions et paiements" : "Catalogue, prestataires et clients",
                    fraction: 0.05 + 0.93 * Double(done) / Double(max(1, actions.count)),
                    detail: inPeriod ? DemoCatalogue.dayLabel(last.time) : nil))
        }
        progress(DemoProgress(phase: "Bilan", fraction: 0.99, detail: nil))
        let logins = world.providers.filter(\.isDemo).map { provider in
            DemoProviderLogin(
                name: provider.name, phone: provider.phone,
                services: provider.services.map { ServiceCatalogue.builtInDefinition($0)?.nameFR ?? $0.rawValue })
        }
        let summary = try database.readBlocking { db in try summarize(db, from: windowStart, logins: logins) }
        progress(DemoProgress(phase: "Terminé", fraction: 1, detail: nil))
        return summary
    }

    /// Refuses a database that already has providers or changes newer than the demo's first write.
    private func checkEmpty(_ database: NodeDatabase, since setupTime: Date) throws {
        let totals = try database.readBlocking { db in try ActivityTotals.read(in: db) }
        if totals.providers > 0 { throw DemoGeneratorError.databaseNotEmpty("\(totals.providers) prestataires") }
        if totals.latestHLC >= HLC(date: setupTime).packed {
            throw DemoGeneratorError.databaseNotEmpty("journal de modifications postérieur au \(UTCTimestamp.format(setupTime))")
        }
    }

    private func summarize(_ db: Database, from: Date, logins: [DemoProviderLogin]) throws -> DemoSummary {
        let totals = try ActivityTotals.read(in: db)
        let statuses = totals.statusCounts
        return DemoSummary(
            seed: seed, days: days, scale: scale, from: from, to: now, providers: totals.providers, clients: totals.clients,
            requests: totals.requests, offers: totals.offers, statusCounts: statuses,
            missionsCompleted: statuses[RequestStatus.terminee.rawValue] ?? 0,
            missionsInProgress: [RequestStatus.arrive, .diagnostic, .reparation].reduce(0) { $0 + (statuses[$1.rawValue] ?? 0) },
            invoices: totals.invoices, payments: totals.payments, paymentsTotal: totals.paymentsTotal,
            commissionTotal: totals.commissionTotal, ratings: totals.ratings, averageRating: totals.averageRating,
            messages: totals.messages, callLogs: totals.callLogs, notifications: totals.notifications,
            unseenNotifications: totals.unseenNotifications, photos: totals.photos, changes: totals.changes, demoProviders: logins)
    }
}
