import DjobeaPostgres
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU and memory read from /proc: this process, and a PostgreSQL cluster's postmaster with its children.
enum ProcessStats {
    /// This process's user + system CPU seconds.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// This process's resident set, in MB.
    static func ownRSSMegabytes() -> Double {
        statusKilobytes(pid: "self", field: "VmRSS:").map { $0 / 1024 } ?? 0
    }

    /// The whole machine's busy CPU seconds (every process, from /proc/stat: all but idle and iowait).
    static func machineBusySeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = text.split(separator: "\n").first else { return 0 }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return 0 }
        // user nice system idle iowait irq softirq steal
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The 1-minute load average.
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return Double(text.split(separator: " ").first ?? "") ?? 0
    }

    /// The postmaster's pid, from `postmaster.pid` in the cluster's data directory (readable when the cluster runs as us).
    static func postmasterPid(dataDirectory: String) -> Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first
        else { return nil }
        return Int32(first.trimmingCharacters(in: .whitespaces))
    }

    /// The postmaster and its children (backends, checkpointer, WAL writer…).
    static func clusterPids(postmaster: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [postmaster] }
        var pids = [postmaster]
        for entry in entries {
            guard let pid = Int32(entry), let stat = statFields(pid: pid), stat.count > 1, Int32(stat[1]) == postmaster else { continue }
            pids.append(pid)
        }
        return pids
    }

    /// The cluster's processes' CPU seconds (user + system; exited backends are counted in the postmaster's `cutime`).
    static func clusterCPUSeconds(postmaster: Int32) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for pid in clusterPids(postmaster: postmaster) {
            guard let fields = statFields(pid: pid), fields.count > 14 else { continue }
            // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
            let own = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
            let children = pid == postmaster ? (Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0) : 0
            total += (own + children) / ticks
        }
        return total
    }

    /// The cluster's memory: proportional set size summed over its processes (shared buffers counted once), in MB; the
    /// plain resident sum when smaps_rollup is not readable.
    static func clusterMemoryMegabytes(postmaster: Int32) -> Double {
        var total = 0.0
        for pid in clusterPids(postmaster: postmaster) {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") })
            {
                total += (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
            } else {
                total += (statusKilobytes(pid: String(pid), field: "VmRSS:") ?? 0) / 1024
            }
        }
        return total
    }

    /// The fields of /proc/pid/stat after the command name.
    private static func statFields(pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    private static func statusKilobytes(pid: String, field: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return nil }
        return Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}

/// Samples PostgreSQL's activity of one database every 100 ms: how many backends are running a statement, and how many
/// of them wait on a lock (the change log's append lock is an advisory lock), averaged over the samples.
final class PostgresActivitySampler: Sendable {
    struct Averages: Sendable {
        var samples = 0
        var active = 0.0
        var lockWaiting = 0.0
        var ioWaiting = 0.0
        /// Backends inside a transaction but waiting for the client (this process) to send the next statement.
        var idleInTransaction = 0.0
    }

    private let totals = LockedValueBox(Averages())

    /// Runs until cancelled.
    func run(database: PostgresDatabase, name: String) async {
        while !Task.isCancelled {
            let row = try? await database.session { session in
                try session.query(
                    """
                    SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE wait_event_type = 'Lock'),
                        count(*) FILTER (WHERE wait_event_type IN ('IO', 'LWLock')),
                        count(*) FILTER (WHERE state = 'idle in transaction')
                    FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
                    """, [.text(name)]
                ).first
            }
            if let row, row.count == 4 {
                totals.update {
                    $0.samples += 1
                    $0.active += Double(row[0].integerValue ?? 0)
                    $0.lockWaiting += Double(row[1].integerValue ?? 0)
                    $0.ioWaiting += Double(row[2].integerValue ?? 0)
                    $0.idleInTransaction += Double(row[3].integerValue ?? 0)
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The averages since the last reset, and a reset.
    func take() -> Averages {
        totals.update { value in
            defer { value = Averages() }
            guard value.samples > 0 else { return value }
            let n = Double(value.samples)
            return Averages(
                samples: value.samples, active: value.active / n, lockWaiting: value.lockWaiting / n, ioWaiting: value.ioWaiting / n,
                idleInTransaction: value.idleInTransaction / n)
        }
    }
}

/// A lock-protected value (Foundation's NSLock).
final class LockedValueBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func update<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
