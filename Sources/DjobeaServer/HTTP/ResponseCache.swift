import DjobeaDomain
import DjobeaStore
import Foundation
import Hummingbird
import NIOCore

/// Remembers the encoded answers of a provider's read routes (dashboard, charts, alerts, lists, earnings) until
/// anything commits on the node, or for at most `ttl` (a few answers depend on the time of day: "waiting for more
/// than 30 minutes", "today").
///
/// Correctness rests on `NodeDatabase.commitGeneration`: it is read *before* the query runs, and an entry is served
/// only while the generation is still that one. A commit during the query makes the entry stale at once; a commit
/// can never be hidden behind an older entry. The key holds the provider id, so one provider never gets another's
/// answer. The body is stored encoded, with its ETag and its gzip form, so a hit costs no JSON or compression work.
///
/// `DJOBEA_RESPONSE_CACHE=off` turns it off (the benchmark uses it to measure the uncached path).
public final class ResponseCache: Sendable {
    struct Key: Hashable {
        let owner: String
        let path: String
        let query: String
    }

    struct Entry {
        let generation: UInt64
        let storedAt: UInt64
        let body: PreparedJSON
    }

    public let isEnabled: Bool
    let ttl: Duration
    let capacity: Int
    private let entries = LockedValue<[Key: Entry]>([:])

    struct Flight {
        let generation: UInt64
        let task: Task<PreparedJSON, any Error>
    }
    private let inflight = LockedValue<[Key: Flight]>([:])

    public init(enabled: Bool = true, ttl: Duration = .seconds(2), capacity: Int = 512) {
        self.isEnabled = enabled
        self.ttl = ttl
        self.capacity = capacity
    }

    /// Reads `DJOBEA_RESPONSE_CACHE` (`off`, `0` or `false` disable it).
    public static func fromEnvironment(_ environment: [String: String]) -> ResponseCache {
        let raw = environment["DJOBEA_RESPONSE_CACHE"]?.lowercased()
        return ResponseCache(enabled: !["off", "0", "false", "non"].contains(raw ?? ""))
    }

    /// Answers `request` with the JSON of `compute()`, from the cache when nothing committed since it was computed.
    ///
    /// Concurrent misses on one key share one computation (single flight): when a commit invalidates a busy
    /// provider's dashboard, the next fifty requests wait for one query instead of running fifty.
    func json<T: Encodable & Sendable>(
        _ request: Request, owner: String, database: NodeDatabase, compute: @escaping @Sendable () async throws -> T
    ) async throws -> Response {
        guard isEnabled else { return try JSONResponse.make(try await compute(), for: request) }
        let key = Key(owner: owner, path: request.uri.path, query: request.uri.query ?? "")
        let generation = database.commitGeneration
        let now = Self.uptimeNanoseconds()
        if let hit = lookup(key, generation: generation, now: now) { return JSONResponse.make(prepared: hit, for: request) }
        let flight = inflight.withLock { flights -> Task<PreparedJSON, any Error> in
            if let running = flights[key], running.generation == generation { return running.task }
            let task = Task { try JSONResponse.prepare(JSONResponse.encoder.encode(try await compute())) }
            flights[key] = Flight(generation: generation, task: task)
            return task
        }
        let prepared: PreparedJSON
        do {
            prepared = try await flight.value
        } catch {
            removeFlight(key, generation: generation)
            throw error
        }
        store(key, Entry(generation: generation, storedAt: now, body: prepared))
        removeFlight(key, generation: generation)
        return JSONResponse.make(prepared: prepared, for: request)
    }

    private func removeFlight(_ key: Key, generation: UInt64) {
        inflight.withLock { flights in
            if flights[key]?.generation == generation { flights[key] = nil }
        }
    }

    func lookup(_ key: Key, generation: UInt64, now: UInt64) -> PreparedJSON? {
        let ttlNanos = UInt64(ttl.components.seconds) * 1_000_000_000 + UInt64(ttl.components.attoseconds / 1_000_000_000)
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.generation == generation, now &- entry.storedAt < ttlNanos else {
                entries[key] = nil
                return nil
            }
            return entry.body
        }
    }

    func store(_ key: Key, _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                // Stale entries go first; if all are current, the oldest does.
                entries = entries.filter { $0.value.generation == entry.generation }
                if entries.count >= capacity, let oldest = entries.min(by: { $0.value.storedAt < $1.value.storedAt }) {
                    entries[oldest.key] = nil
                }
            }
            entries[key] = entry
        }
    }

    var count: Int { entries.withLock { $0.count } }

    static func uptimeNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
