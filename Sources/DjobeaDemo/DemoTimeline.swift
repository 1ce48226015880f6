import DjobeaDomain
import DjobeaStore
import Foundation

/// The id of a row that is planned now and written later.
///
/// Ids are made when the row is written, in write order and at the row's own time, so that UUIDv7 ids sort
/// like the history they describe. Actions that refer to the row run later in the timeline and read it then.
final class RowRef {
    private(set) var value: String?
    /// The row as last written by the demo, for later updates of some of its columns.
    private(set) var record: (any SyncedRecord)?
    /// A document number made at write time ("F-2026-0007"), for rows that have one.
    var number = ""

    init(fixed: String? = nil) {
        value = fixed
    }

    func assign(_ id: String) {
        value = id
    }

    func assign(_ record: some SyncedRecord) {
        value = record.id
        self.record = record
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

    /// The transaction's time as stored (UTC text).
    var stamp: String { UTCTimestamp.format(tx.now) }

    /// Inserts a record (made with `newId()`); `ref`, if any, then holds its id and the record.
    @discardableResult
    func insert<Record: SyncedRecord>(_ record: Record, as ref: RowRef? = nil) throws -> String {
        ref?.assign(record)
        try tx.insert(record)
        state.rowsWritten += 1
        return record.id
    }

    /// Updates the named columns of the row `ref` holds, after `change` sets them on its record.
    func update<Record: MutableSyncedRecord>(_ ref: RowRef, columns: [Record.Columns], _ change: (inout Record) -> Void) throws {
        guard var record = ref.record as? Record else { throw DemoGeneratorError.unwrittenRow }
        change(&record)
        try tx.update(record, columns: columns)
        ref.assign(record)
        state.rowsWritten += 1
    }

    /// Stops the work session `session` holds, now.
    func stop(_ session: RowRef) throws {
        let now = stamp
        try update(session, columns: [.stoppedAt]) { (row: inout MissionWorkSessionRecord) in row.stoppedAt = now }
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
        _ provider: RowRef, _ kind: NotificationKind, request: RowRef?, title: String, body: String, seenAt: Date?
    ) throws {
        try insert(
            NotificationRecord(
                id: newId(), providerId: try provider.id(), kind: kind, requestId: try request?.id(), title: title, body: body,
                createdAt: stamp, seenAt: seenAt.map(UTCTimestamp.format)))
    }

    @discardableResult
    func message(
        provider: RowRef, client: RowRef, request: RowRef?, direction: MessageDirection, body: String, template: String? = nil,
        channel: MessageChannel = .whatsapp, status: DeliveryStatus = .read, ref: RowRef? = nil
    ) throws -> String {
        // `essential` is the column's default: the demo's messages predate the gateway.
        try insert(
            MessageRecord(
                id: newId(), requestId: try request?.id(), providerId: try provider.id(), clientId: try client.id(),
                direction: direction, channel: channel, templateCode: template, body: body, sentAt: stamp, deliveryStatus: status,
                essential: true),
            as: ref)
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
            PhotoRecord(
                id: newId(), requestId: try request.id(), providerId: try provider.id(), kind: kind, sha256: stored.sha256,
                mime: "image/jpeg", bytes: Int64(stored.bytes), width: 320, height: 240, takenAt: stamp, createdAt: stamp))
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
