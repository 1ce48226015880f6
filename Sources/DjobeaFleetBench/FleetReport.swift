import Foundation

/// One configuration's figures.
struct FleetResult {
    var backend: String
    var hubs: Int
    var setupSeconds: Double
    var warmupSeconds: Double
    var windowSeconds: Double
    var samples: [RoundSample]
    var offeredRoundsPerSecond: Double
    var processCPU: Double
    var processRSS: Double
    var postgresCPU: Double?
    var postgresMemory: Double?
    var times: StorageTimes
    var activity: PostgresActivitySampler.Averages?
    var intakes: Int
    var intakeFailures: Int
    var intakeSeconds: Double
    var errors: [String: Int]
    var drainFailures: Int
    var vectorComplete: Int
    var quarantined: Int
    var logHead: Int64
    var settings: String?
    /// Busy CPU seconds per second of the whole machine (every process: this one, PostgreSQL, and other tenants), and the
    /// 1-minute load average at the end of the window.
    var machineCPU: Double
    var loadAverage: Double

    var succeeded: [RoundSample] { samples.filter { !$0.failed } }
    var failedRounds: Int { samples.count - succeeded.count }
    var roundsPerSecond: Double { Double(succeeded.count) / windowSeconds }

    func percentile(_ p: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
    }

    func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    var p50: Double { percentile(0.5, succeeded.map(\.seconds)) * 1000 }
    var p99: Double { percentile(0.99, succeeded.map(\.seconds)) * 1000 }

    /// The JSON object of this result.
    var json: [String: Any] {
        let ok = succeeded
        var object: [String: Any] = [
            "backend": backend, "hubs": hubs, "setup_s": setupSeconds, "warmup_s": warmupSeconds, "window_s": windowSeconds,
            "offered_rounds_per_s": offeredRoundsPerSecond, "rounds": ok.count, "failed_rounds": failedRounds,
            "rounds_per_s": roundsPerSecond, "round_p50_ms": p50, "round_p99_ms": p99,
            "round_max_ms": (ok.map(\.seconds).max() ?? 0) * 1000,
            "pull_p50_ms": percentile(0.5, ok.map(\.pullSeconds)) * 1000, "pull_p99_ms": percentile(0.99, ok.map(\.pullSeconds)) * 1000,
            "push_p50_ms": percentile(0.5, ok.map(\.pushSeconds)) * 1000, "push_p99_ms": percentile(0.99, ok.map(\.pushSeconds)) * 1000,
            "pull_share": shareOfPull, "pulls_per_round": mean(ok.map { Double($0.pulls) }),
            "log_entries_scanned_per_round": mean(ok.map { Double($0.scanned) }), "changes_pulled_per_round": mean(ok.map { Double($0.pulled) }),
            "changes_pushed_per_round": mean(ok.map { Double($0.pushed) }), "conflicts": ok.reduce(0) { $0 + $1.conflicts },
            "process_cpu_s_per_s": processCPU, "process_rss_mb": processRSS,
            "storage_reads_per_s": Double(times.reads) / windowSeconds, "storage_writes_per_s": Double(times.writes) / windowSeconds,
            "read_wait_ms_avg": times.reads == 0 ? 0 : times.readWaitSeconds / Double(times.reads) * 1000,
            "read_body_ms_avg": times.reads == 0 ? 0 : times.readBodySeconds / Double(times.reads) * 1000,
            "write_wait_ms_avg": times.writes == 0 ? 0 : times.writeWaitSeconds / Double(times.writes) * 1000,
            "write_body_ms_avg": times.writes == 0 ? 0 : times.writeBodySeconds / Double(times.writes) * 1000,
            "write_commit_ms_avg": times.writes == 0 ? 0 : times.writeCommitSeconds / Double(times.writes) * 1000,
            "write_busy_share": times.writeBodySeconds / windowSeconds,
            "statements_per_s": Double(times.statements) / windowSeconds,
            "statements_per_round": ok.isEmpty ? 0 : Double(times.statements) / Double(ok.count),
            "statement_ms_avg": times.statements == 0 ? 0 : times.statementSeconds / Double(times.statements) * 1000,
            "intakes": intakes, "intake_failures": intakeFailures, "intake_ms_avg": intakes == 0 ? 0 : intakeSeconds / Double(intakes) * 1000,
            "errors": errors, "drain_failures": drainFailures, "version_vector_complete": vectorComplete, "quarantined": quarantined,
            "change_log_head": logHead, "cpu_ms_per_round": cpuPerRound, "projected_saturation_hubs": projectedSaturation,
        ]
        object["machine_cpu_s_per_s"] = machineCPU
        object["others_cpu_s_per_s"] = max(0, machineCPU - processCPU - (postgresCPU ?? 0))
        object["load_average_1m"] = loadAverage
        if let settings { object["postgres_settings"] = settings }
        if let postgresCPU { object["postgres_cpu_s_per_s"] = postgresCPU }
        if let postgresMemory { object["postgres_pss_mb"] = postgresMemory }
        if let activity {
            object["pg_active_backends_avg"] = activity.active
            object["pg_lock_waiting_avg"] = activity.lockWaiting
            object["pg_io_lwlock_waiting_avg"] = activity.ioWaiting
            object["pg_idle_in_transaction_avg"] = activity.idleInTransaction
        }
        return object
    }

    /// CPU seconds (this process and PostgreSQL's) per completed round, in ms.
    var cpuPerRound: Double {
        roundsPerSecond == 0 ? 0 : (processCPU + (postgresCPU ?? 0)) / roundsPerSecond * 1000
    }

    /// Where the CPU would run out with the machine to itself: central's work per second grows as N² (N hubs, each
    /// scanning a log that grows with N), so the saturation point is about N·√(cores / used). Fixed costs per round make
    /// it optimistic from small N.
    var projectedSaturation: Double {
        let used = processCPU + (postgresCPU ?? 0)
        return used <= 0 ? 0 : Double(hubs) * (Double(ProcessInfo.processInfo.activeProcessorCount) / used).squareRoot()
    }

    /// The share of a round's time spent pulling.
    var shareOfPull: Double {
        let ok = succeeded
        let total = ok.reduce(0) { $0 + $1.seconds }
        return total == 0 ? 0 : ok.reduce(0) { $0 + $1.pullSeconds } / total
    }
}

enum FleetReport {
    static func header(_ options: FleetOptions, schemaVersion: Int) -> String {
        """
        djobea-fleet-bench — central's sync core under N simulated hubs, IN-PROCESS: no HTTP, no JSON codec, no per-request
        signing (each hub authenticates once); the hubs (no database each) and central share this process, so the process
        CPU includes the hubs' simulation. Each hub runs a round every \(Int(options.interval)) s (pull until done, then push);
        central takes in ~1 request per hub per minute. \(options.fullInitialPull ? "Hubs start with the full download of their partition." : "Hubs start at central's log head (partition already downloaded; that one-off download is not measured).")
        Warm-up ≥ \(Int(options.warmup)) s (until every hub finished its
        first round), measured window \(Int(options.duration)) s. Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores,
        schema v\(schemaVersion), PostgreSQL pool \(options.connections) connections.
        """
    }

    static func table(_ results: [FleetResult]) -> String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "backend  hubs  rounds/s (offered)  p50 ms  p99 ms  fail  pull%  scan/round  sql/round  sql ms  cpu ms/round  cpu s/s  rss MB  pg cpu s/s  pg MB  wr wait ms  wr body ms  pg lockwait  machine s/s  load  vv ok"
        ]
        for r in results {
            let columns = [
                r.backend.padding(toLength: 8, withPad: " ", startingAt: 0),
                String(r.hubs).leftPad(4),
                "\(f(r.roundsPerSecond)) (\(f(r.offeredRoundsPerSecond)))".leftPad(18),
                f(r.p50).leftPad(6), f(r.p99).leftPad(7), String(r.failedRounds).leftPad(5), f(r.shareOfPull * 100, 0).leftPad(5),
                f(r.mean(r.succeeded.map { Double($0.scanned) }), 0).leftPad(10),
                f(r.succeeded.isEmpty ? 0 : Double(r.times.statements) / Double(r.succeeded.count), 0).leftPad(10),
                f(r.times.statements == 0 ? 0 : r.times.statementSeconds / Double(r.times.statements) * 1000, 3).leftPad(7),
                f(r.cpuPerRound, 1).leftPad(12),
                f(r.processCPU, 2).leftPad(7), f(r.processRSS, 0).leftPad(6),
                (r.postgresCPU.map { f($0, 2) } ?? "-").leftPad(10), (r.postgresMemory.map { f($0, 0) } ?? "-").leftPad(5),
                f(r.times.writes == 0 ? 0 : r.times.writeWaitSeconds / Double(r.times.writes) * 1000, 2).leftPad(10),
                f(r.times.writes == 0 ? 0 : r.times.writeBodySeconds / Double(r.times.writes) * 1000, 2).leftPad(10),
                (r.activity.map { f($0.lockWaiting, 2) } ?? "-").leftPad(11),
                f(r.machineCPU, 2).leftPad(11), f(r.loadAverage, 1).leftPad(5), "\(r.vectorComplete)/\(r.hubs)".leftPad(7),
            ]
            lines.append(columns.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    /// What explains the figures, one line per configuration.
    static func reading(_ results: [FleetResult]) -> String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "Reading: a pull examines every central log entry since the hub's cursor (scan/round, ∝ N) with ~2 statements each",
            "(partition lookups) plus ~15 per round, so central's statements/s grow as N²; on PostgreSQL each statement is a round trip (sql ms).",
        ]
        for r in results {
            let statementsPerSecond = Double(r.times.statements) / r.windowSeconds
            let used = r.processCPU + (r.postgresCPU ?? 0)
            lines.append(
                "  \(r.backend) \(r.hubs): \(f(statementsPerSecond, 0)) statements/s, CPU \(f(used, 2)) s/s "
                    + "(\(f(statementsPerSecond == 0 ? 0 : used / statementsPerSecond * 1e6, 0)) µs per statement, hubs' simulation included), "
                    + "pull \(f(r.shareOfPull * 100, 0)) % of a round, write wait \(f(r.times.writes == 0 ? 0 : r.times.writeWaitSeconds / Double(r.times.writes) * 1000, 1)) ms, "
                    + "read wait \(f(r.times.reads == 0 ? 0 : r.times.readWaitSeconds / Double(r.times.reads) * 1000, 1)) ms, "
                    + (r.activity.map {
                        "PG backends active \(f($0.active, 2)), idle in transaction \(f($0.idleInTransaction, 2)), lock-waiting \(f($0.lockWaiting, 2)); "
                    } ?? "")
                    + "machine \(f(r.machineCPU, 2)) s/s (others \(f(max(0, r.machineCPU - used), 2))); CPU saturation alone on the machine ≈ \(f(r.projectedSaturation, 0)) hubs (N² model)"
            )
        }
        return lines.joined(separator: "\n")
    }

    static func write(_ results: [FleetResult], options: FleetOptions, header: String) throws {
        let url = URL(fileURLWithPath: options.output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let document: [String: Any] = [
            "header": header, "cores": ProcessInfo.processInfo.activeProcessorCount, "interval_s": options.interval, "warmup_s": options.warmup,
            "duration_s": options.duration, "pg_connections": options.connections, "results": results.map(\.json),
        ]
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
