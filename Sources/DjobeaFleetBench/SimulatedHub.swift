import DjobeaDomain
import DjobeaReplication
import DjobeaSync
import Foundation

/// What one round did and how long each part took.
struct RoundSample: Sendable {
    var start: ContinuousClock.Instant
    var seconds: Double
    var pullSeconds: Double
    var pushSeconds: Double
    var pulls: Int
    /// Central log entries examined for this hub (the cursor's advance).
    var scanned: Int64
    var pulled: Int
    var pushed: Int
    var conflicts: Int
    var failed: Bool
}

/// A hub without a database: its identity, providers, own sequence and HLC, cursor, the requests it works on and the
/// changes central has not acknowledged. One task drives it, one round at a time.
final class SimulatedHub: @unchecked Sendable {
    /// A request the hub received, and how far its providers have taken it.
    struct Job {
        var requestId: String
        var clientId: String
        var providerId: String
        /// 0 received, 1 accepted, 2 arrived, 3 diagnosed, 4 repairing, 5 completed; then invoiced and paid.
        var stage: Int
    }

    let index: Int
    let nodeId: String
    let identity: AuthenticatedHub
    let zoneIds: Set<String>
    let providers: [String]
    let schemaVersion: Int
    private var settings: [String: String] = [:]
    private var clock = HybridLogicalClock()
    private(set) var seq: Int64 = 0
    private var acknowledged: Int64 = 0
    private var pending: [RowChange] = []
    private var cursor: Int64 = 0
    private var partition: String?
    private var movesSeen: Int64?
    private var jobs: [Job] = []
    private var known: Set<String> = []
    private var invoices = 0
    private var random: SplitMix

    init(index: Int, identity: AuthenticatedHub, zoneIds: Set<String>, providers: [String], schemaVersion: Int, seed: UInt64) {
        self.index = index
        self.nodeId = identity.nodeId
        self.identity = identity
        self.zoneIds = zoneIds
        self.providers = providers
        self.schemaVersion = schemaVersion
        self.random = SplitMix(seed: seed)
    }

    /// Starts as a hub that has downloaded its partition already: its cursor at `cursor`, under `partition`, with the
    /// settings rows of its providers (provider id → row id).
    func startSynced(cursor: Int64, partition: String, settings: [String: String]) {
        self.cursor = cursor
        self.partition = partition
        self.settings = settings
    }

    /// One round as the real engine runs it: pull until central says no more, then push every pending change.
    func round(central: CentralSyncService, work: Bool) async -> RoundSample {
        let start = ContinuousClock.now
        var sample = RoundSample(
            start: start, seconds: 0, pullSeconds: 0, pushSeconds: 0, pulls: 0, scanned: 0, pulled: 0, pushed: 0, conflicts: 0, failed: false)
        do {
            while true {
                let request = PullRequest(
                    schemaVersion: schemaVersion, cursor: cursor, maxBytes: 256 * 1024, pendingOut: pending.count,
                    oldestPendingAt: pending.first.map { UTCTimestamp.format($0.hlc.date) }, partition: partition, movesSeen: movesSeen)
                let answer = try await central.pull(request, from: identity, hubTime: Date().unixMillis, wireBytes: 200)
                let changes = try answer.batch.rowChanges()
                absorb(changes)
                sample.pulls += 1
                sample.pulled += changes.count
                sample.scanned += answer.partition == partition ? answer.through - cursor : answer.through
                cursor = answer.through
                partition = answer.partition
                if let head = answer.movesHead { movesSeen = head }
                acknowledge(answer.acknowledged)
                if !answer.more { break }
            }
            let pulled = ContinuousClock.now
            sample.pullSeconds = (pulled - start).seconds
            if work { makeChanges(now: Date()) }
            while !pending.isEmpty {
                let batch = Array(pending.prefix(1_000))
                let answer = try await central.push(
                    PushRequest(schemaVersion: schemaVersion, batch: WireBatch(batch)), from: identity, wireBytes: batch.count * 300)
                guard answer.acknowledged > acknowledged else { throw FleetError("le central n'a rien acquitté") }
                acknowledge(answer.acknowledged)
                sample.pushed += answer.applied
                sample.conflicts += answer.conflicts
            }
            sample.pushSeconds = (ContinuousClock.now - pulled).seconds
        } catch {
            sample.failed = true
            FleetErrors.shared.note("\(error)")
        }
        sample.seconds = (ContinuousClock.now - start).seconds
        return sample
    }

    private func acknowledge(_ value: Int64) {
        guard value > acknowledged else { return }
        acknowledged = value
        pending.removeAll { $0.originSeq <= value }
    }

    /// Takes in central's slice: the clock moves, new requests of the hub's zones become jobs, settings rows are noted.
    private func absorb(_ changes: [RowChange]) {
        let now = Date()
        for change in changes {
            _ = clock.receiveBounded(change.hlc, wall: now)
            guard change.operation == .insert else { continue }
            if change.table == SyncedTable.serviceRequests.rawValue, let zone = change.columns["zone_id"]?.textValue, zoneIds.contains(zone),
                let client = change.columns["client_id"]?.textValue, !known.contains(change.key)
            {
                known.insert(change.key)
                jobs.append(Job(requestId: change.key, clientId: client, providerId: providers[random.next(providers.count)], stage: 0))
            } else if change.table == SyncedTable.providerSettings.rawValue, let provider = change.columns["provider_id"]?.textValue {
                settings[provider] = change.key
            }
        }
    }

    /// The providers' work since the last round: each request moves on with probability 0.6 (accepted, arrived, diagnosed,
    /// repairing, completed, then an invoice and its MTN MoMo payment); now and then a provider edits their profile or
    /// settings.
    private func makeChanges(now: Date) {
        let stamp = UTCTimestamp.format(now)
        let kinds = ["accepted", "arrived", "diagnosed", "repairing", "completed"]
        var finished: [Int] = []
        for position in jobs.indices where random.unit() < 0.6 {
            let job = jobs[position]
            if job.stage < kinds.count {
                let id = DjobeaID.v7(now: now)
                append(.missionEvents, key: id, now: now) { hlc in
                    [
                        "id": .text(id), "request_id": .text(job.requestId), "kind": .text(kinds[job.stage]), "actor_role": "provider",
                        "actor_id": .text(job.providerId), "provider_id": .text(job.providerId), "hlc": .integer(hlc.packed),
                        "origin_node": .text(self.nodeId), "occurred_at": .text(stamp), "reopen_to": .null, "reason_code": .null, "note": .null,
                    ]
                }
                jobs[position].stage += 1
            } else {
                invoices += 1
                let invoiceId = DjobeaID.v7(now: now)
                let total = Int64(5_000 + random.next(20) * 1_000)
                let number = "F-\(index)-\(invoices)"
                append(.invoices, key: invoiceId, now: now) { _ in
                    [
                        "id": .text(invoiceId), "request_id": .text(job.requestId), "provider_id": .text(job.providerId),
                        "client_id": .text(job.clientId), "number": .text(number), "total": .integer(total), "issued_at": .text(stamp),
                        "due_at": .text(UTCTimestamp.format(now.addingTimeInterval(7 * 86_400))), "sent_at": .null,
                    ]
                }
                let entryId = DjobeaID.v7(now: now)
                let reference = "MP\(index).\(invoices).\(random.next(1_000_000))"
                append(.ledgerEntries, key: entryId, now: now) { hlc in
                    [
                        "id": .text(entryId), "request_id": .text(job.requestId), "provider_id": .text(job.providerId),
                        "invoice_id": .text(invoiceId), "kind": "payment", "method": "mtn_momo", "operator_ref": .text(reference),
                        "amount": .integer(total), "reverses_entry_id": .null, "rate_id": .null, "hlc": .integer(hlc.packed),
                        "origin_node": .text(self.nodeId), "recorded_at": .text(stamp), "recorded_by_role": "provider",
                    ]
                }
                finished.append(position)
            }
        }
        for position in finished.reversed() { jobs.remove(at: position) }
        if random.unit() < 0.1 {
            let provider = providers[random.next(providers.count)]
            let away: Int64 = random.unit() < 0.5 ? 1 : 0
            let bio = "Artisan du quartier, \(1 + random.next(30)) ans de métier."
            append(.providers, key: provider, operation: .update, now: now) { _ in
                ["bio": .text(bio), "away_mode": .integer(away), "updated_at": .text(stamp)]
            }
        }
        if random.unit() < 0.1, case let provider = providers[random.next(providers.count)], let settingsId = settings[provider] {
            let sound: Int64 = random.unit() < 0.5 ? 1 : 0
            append(.providerSettings, key: settingsId, operation: .update, now: now) { _ in
                ["notification_sound": .integer(sound), "updated_at": .text(stamp)]
            }
        }
    }

    private func append(
        _ table: SyncedTable, key: String, operation: RowOperation = .insert, now: Date, columns: (HLC) -> ColumnValues
    ) {
        let hlc = clock.tick(wall: now)
        seq += 1
        pending.append(
            RowChange(originNode: nodeId, originSeq: seq, hlc: hlc, table: table.rawValue, key: key, operation: operation, columns: columns(hlc)))
    }
}

/// A small seeded generator (SplitMix64): reproducible hub behaviour per seed.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound.
    mutating func next(_ bound: Int) -> Int { Int(nextUInt64() % UInt64(max(1, bound))) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(nextUInt64() >> 11) / Double(1 << 53) }
}

/// The first distinct errors of failed rounds, to print.
final class FleetErrors: Sendable {
    static let shared = FleetErrors()
    private let seen = LockedValue<[String: Int]>([:])

    func note(_ message: String) {
        seen.withLock { $0[String(message.prefix(200)), default: 0] += 1 }
    }

    /// Every distinct message and its count, and a reset.
    func drain() -> [String: Int] {
        seen.withLock { value in
            defer { value = [:] }
            return value
        }
    }
}
