import DjobeaDemo
import DjobeaDomain
import DjobeaStore
import Foundation

/// `djobea-bench` without a verb: prints the foundation's figures.
///   1. change-logged writes per second (single-row and batched transactions, standard and critical durability);
///   2. p50/p99 of one provider's 30-day dashboard aggregates on a data set `--scale` times the demo's.
/// Run it in release: `swift run -c release djobea-bench [--scale 10] [--samples 3000] [--writes 20000]`.
enum FoundationBench {
    static func run() async throws {
        let scale = option("--scale", 10)
        let samples = option("--samples", 3000)
        let writes = option("--writes", 20000)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }

        print("djobea-bench — \(ProcessInfo.processInfo.processorCount) cœurs, SQLite fichier en WAL sous \(root.path)")

        // MARK: - Change-logged writes

        let writeDatabase = try NodeDatabase.open(path: root.appendingPathComponent("writes.sqlite").path, role: .hub)
        func insertClients(_ count: Int, perTransaction: Int, durability: Durability, offset: Int) throws -> Double {
            let start = seconds()
            var written = 0
            while written < count {
                let batch = min(perTransaction, count - written)
                try writeDatabase.writeBlocking(durability: durability) { tx in
                    for index in 0..<batch {
                        try tx.insert(
                            ClientRecord(
                                id: DjobeaID.v7(), phone: String(format: "+2376%08d", offset + written + index), name: "Client banc d'essai",
                                address: "Rue du Marché", createdAt: UTCTimestamp.format(tx.now)))
                    }
                }
                written += batch
            }
            return Double(count) / (seconds() - start)
        }
        let single = try insertClients(writes / 4, perTransaction: 1, durability: .standard, offset: 0)
        let batched = try insertClients(writes, perTransaction: 100, durability: .standard, offset: 1_000_000)
        let critical = try insertClients(max(200, writes / 40), perTransaction: 1, durability: .critical, offset: 5_000_000)
        print(String(format: "écritures journalisées, 1 ligne par transaction (synchronous=NORMAL) : %8.0f lignes/s", single))
        print(String(format: "écritures journalisées, 100 lignes par transaction                : %8.0f lignes/s", batched))
        print(String(format: "écritures journalisées, 1 ligne par transaction (FULL, argent)    : %8.0f lignes/s", critical))

        // MARK: - Dashboard aggregates on scale× demo data

        let now = Date()
        let dashboardDatabase = try NodeDatabase.open(path: root.appendingPathComponent("dashboard.sqlite").path, role: .hub)
        let generationStart = seconds()
        let summary = try DemoGenerator(seed: 2026, scale: scale, now: now).generate(into: dashboardDatabase, photos: nil) { _ in }
        print(
            String(
                format: "données ×%d : %d prestataires, %d clients, %d demandes sur %d jours, générées en %.0f s", scale, summary.providers,
                summary.clients, summary.requests, summary.days, seconds() - generationStart))
        let providers = try await AccountStore(dashboardDatabase).listing(limit: 100_000).map(\.id)
        var timings: [Double] = []
        timings.reserveCapacity(samples)
        for index in 0..<samples {
            let providerId = providers[index % providers.count]
            let start = seconds()
            _ = try await FinanceStore(dashboardDatabase).dashboard(providerId: providerId, now: now)
            timings.append((seconds() - start) * 1000)
        }
        timings.sort()
        print(
            String(
                format: "tableau de bord 30 jours d'un prestataire (%d mesures, %d prestataires) : p50 %.3f ms, p99 %.3f ms, max %.3f ms",
                samples, providers.count, percentile(timings, 0.5), percentile(timings, 0.99), timings.last ?? 0))
    }

    static func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}
