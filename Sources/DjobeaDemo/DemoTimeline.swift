import DjobeaDomain
import DjobeaStore
import Foundation

/// The id of a row that is planned now and written later.
///
/// Ids are made when the row is written, in write order and at the row's own time, so that UUIDv7 ids sort
/// like the history they describe. Actions that refer to the row run later in the timeline and read it then.
final class RowRef {
    private(set) var value: String?
    /// A document number made at write time ("F-2026-0007"), for rows that have one.
    var number = ""

    init(fixed: String? = nil) {
        value = fixed
    }

    func assign(_ id: String) {
        value = id
    }

    func id() throws -> String {
        guard let value else { throw DemoGeneratorError.unwrittenRow }
        return value
    }
}

/// One write of the demo history, at the wall time it happened.
struct TimelineAction {
    let time: Date
    let seq: Int
    /// About how many rows it writes, to size transactions.
    let rows: Int
    let run: (DemoWriter) throws -> Void
}

/// The whole history, planned first, then written in time order so that HLCs, `recorded_at` and ids are
/// those of a node that lived through it.
struct Timeline {
    /// Nothing happens after the generator's `now`: a planned step later than that has simply not happened yet.
    let horizon: Date
    private(set) var actions: [TimelineAction] = []
    private var seq = 0

    init(horizon: Date) {
        self.horizon = horizon
    }

    /// Plans `run` at `time`; returns false (and plans nothing) when `time` is in the future.
    @discardableResult
    mutating func at(_ time: Date, rows: Int = 1, _ run: @escaping (DemoWriter) throws -> Void) -> Bool {
        guard time <= horizon else { return false }
        seq += 1
        actions.append(TimelineAction(time: time, seq: seq, rows: rows, run: run))
        return true
    }

    /// Whether something planned at `time` will have happened.
    func happened(_ time: Date) -> Bool { time <= horizon }

    /// The actions by time; ties keep planning order, so a row is always written before what refers to it.
    func ordered() -> [TimelineAction] {
        actions.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
    }
}

/// What the writer keeps from one transaction to the next: the id generator, numbering, photo hashes.
final class DemoWriterState {
    var ids = UUIDv7Generator()
    var rng: DemoRandom
    let photos: PhotoLibrary?
    var invoiceNumbers: [String: Int] = [:]
    var quoteNumbers: [String: Int] = [:]
    var photoHashes: [String: (sha256: String, bytes: Int)] = [:]
    var rowsWritten = 0

    init(rng: DemoRandom, photos: PhotoLibrary?) {
        self.rng = rng
        self.photos = photos
    }
}

/// Writes planned rows through the store's change-logged transaction.
struct DemoWriter {
    let tx: SyncedTransaction
    let state: DemoWriterState

    var now: Date { tx.now }

    func newId() -> String {
        state.ids.next(at: tx.now, using: &state.rng)
    }

    /// Inserts a row under a fresh id.
    @discardableResult
    func insert(_ table: SyncedTable, _ values: ColumnValues) throws -> String {
        try insert(table, nil, values)
    }

    /// Inserts a row under a fresh id, which `ref` then holds.
    @discardableResult
    func insert(_ table: SyncedTable, _ ref: RowRef?, _ values: ColumnValues) throws -> String {
        let id = newId()
        ref?.assign(id)
        var row = values
        row["id"] = .text(id)
        try tx.insert(table, row)
        state.rowsWritten += 1
        return id
    }

    func update(_ table: SyncedTable, _ ref: RowRef, _ values: ColumnValues) throws {
        try tx.update(table, key: try ref.id(), values)
        state.rowsWritten += 1
    }

    /// Appends a mission event made by `role`; a provider's own events name them as actor.
    func event(
        _ request: RowRef, _ kind: MissionEventKind, by role: ActorRole, provider: RowRef? = nil, reason: String? = nil,
        note: String? = nil
    ) throws {
        let providerId = try provider?.id()
        try tx.appendMissionEvent(
            requestId: try request.id(), kind: kind, actorRole: role, actorId: role == .provider ? providerId : nil,
            providerId: providerId, reasonCode: reason, note: note, id: newId())
        state.rowsWritten += 1
    }

    func notify(
        _ provider: RowRef, _ kind: String, request: RowRef?, title: String, body: String, seenAt: Date?
    ) throws {
        try insert(
            .notifications,
            [
                "provider_id": .text(try provider.id()), "kind": .text(kind), "request_id": ColumnValue(try request?.id()),
                "title": .text(title), "body": .text(body), "created_at": ColumnValue(now), "seen_at": ColumnValue(seenAt),
            ])
    }

    @discardableResult
    func message(
        provider: RowRef, client: RowRef, request: RowRef?, direction: String, body: String, template: String? = nil,
        channel: String = "whatsapp", status: String = "read", ref: RowRef? = nil
    ) throws -> String {
        try insert(
            .messages, ref,
            [
                "request_id": ColumnValue(try request?.id()), "provider_id": .text(try provider.id()), "client_id": .text(try client.id()),
                "direction": .text(direction), "channel": .text(channel), "template_code": ColumnValue(template), "body": .text(body),
                "sent_at": ColumnValue(now), "delivery_status": .text(status),
            ])
    }

    /// A before/after photo from the embedded JPEGs, stored through the photo library's blob store.
    func photo(named name: String, kind: PhotoKind, request: RowRef, provider: RowRef) throws {
        guard let library = state.photos else { return }
        let stored: (sha256: String, bytes: Int)
        if let known = state.photoHashes[name] {
            stored = known
        } else {
            guard let encoded = DemoPhotos.base64[name], let data = Data(base64Encoded: encoded) else {
                throw DemoGeneratorError.missingPhoto(name)
            }
            let put = try library.blobs.put(data)
            try library.recordBlob(sha256: put.sha256, bytes: data.count, mime: "image/jpeg", in: tx.db, now: now)
            stored = (put.sha256, data.count)
            state.photoHashes[name] = stored
        }
        // The row is written here rather than by `PhotoLibrary.add`, so that its id comes from the seeded generator.
        try insert(
            .photos,
            [
                "request_id": .text(try request.id()), "provider_id": .text(try provider.id()), "kind": .text(kind.rawValue),
                "sha256": .text(stored.sha256), "thumb_sha256": .null, "mime": "image/jpeg", "bytes": ColumnValue(stored.bytes),
                "width": 320, "height": 240, "taken_at": ColumnValue(now), "created_at": ColumnValue(now),
            ])
    }

    /// The provider's next document number of the year: "F-2026-0007" for invoices, "D-…" for quotes.
    func nextNumber(prefix: String, provider: String) -> String {
        let year = String(DoualaCalendar().dayKey(now).prefix(4))
        let key = provider + year
        let number: Int
        if prefix == "F" {
            number = (state.invoiceNumbers[key] ?? 0) + 1
            state.invoiceNumbers[key] = number
        } else {
            number = (state.quoteNumbers[key] ?? 0) + 1
            state.quoteNumbers[key] = number
        }
        let digits = String(number)
        return "\(prefix)-\(year)-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Runs the timeline in transactions of a few hundred rows.
enum TimelineRunner {
    static func run(
        _ actions: [TimelineAction], database: NodeDatabase, state: DemoWriterState, rowsPerTransaction: Int = 400,
        progress: (_ done: Int, _ last: TimelineAction) -> Void
    ) throws {
        var index = 0
        while index < actions.count {
            let start = index
            index = try database.writeBlocking(now: actions[start].time) { tx in
                var next = start
                var rows = 0
                while next < actions.count, rows < rowsPerTransaction {
                    tx.now = actions[next].time
                    try actions[next].run(DemoWriter(tx: tx, state: state))
                    rows += actions[next].rows
                    next += 1
                }
                return next
            }
            progress(index, actions[index - 1])
        }
    }
}
