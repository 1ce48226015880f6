import DjobeaDomain
import Foundation
import GRDB

// The mission screen's writes (DESIGN.md "Missions' materials, time and payment requests have endpoints too"):
// materials, the work timer, photos and the payment request. Like the other provider commands they reach a request
// only through `ProviderRequestAccess`, and only a request ASSIGNED to the caller: an offered, foreign or unknown
// request is `not_found` and nothing is written. Every row goes through `SyncedTransaction`, so it replicates.

/// What a mission-work command answers; the first answer of an idempotency key is stored and replayed as is.
protocol MissionWorkAnswer: ReplayableCommandResult {}

/// A material the provider added, and the mission's materials total afterwards.
public struct MissionMaterialResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    /// add_material or delete_material.
    public var command: String
    public var requestId: String
    /// The material added or deleted.
    public var material: ProviderRequestDetail.Material
    public var materialsTotal: Int
    public var materialsTotalLabel: String
    public var recordedAt: String
    /// True when nothing new was written (an idempotency-key replay).
    public var replayed: Bool
}

/// The work timer after a start or stop.
public struct MissionTimerResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public var command: String
    public var requestId: String
    /// start or stop.
    public var action: String
    public var timer: MissionTimer
    public var recordedAt: String
    /// True when nothing was written: a key replay, a start while running, a stop while stopped.
    public var replayed: Bool
}

/// The mission's work time: closed sessions plus the running one, if any.
public struct MissionTimer: Codable, Sendable, Hashable {
    public struct Session: Codable, Sendable, Hashable {
        public var startedAt: String
        /// nil while running.
        public var stoppedAt: String?

        enum CodingKeys: String, CodingKey {
            case startedAt, stoppedAt
        }

        public init(startedAt: String, stoppedAt: String?) {
            self.startedAt = startedAt
            self.stoppedAt = stoppedAt
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            startedAt = try container.decode(String.self, forKey: .startedAt)
            stoppedAt = try container.decodeIfPresent(String.self, forKey: .stoppedAt)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(stoppedAt, forKey: .stoppedAt)
        }
    }

    /// The start of the running session, UTC ISO 8601; nil when stopped.
    public var runningSince: String?
    /// Closed sessions plus the running one up to `now`, in seconds.
    public var totalSeconds: Int
    /// Oldest first.
    public var sessions: [Session]

    enum CodingKeys: String, CodingKey {
        case sessions, runningSince, totalSeconds
    }

    public init(runningSince: String?, totalSeconds: Int, sessions: [Session]) {
        self.runningSince = runningSince
        self.totalSeconds = totalSeconds
        self.sessions = sessions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runningSince = try container.decodeIfPresent(String.self, forKey: .runningSince)
        totalSeconds = try container.decode(Int.self, forKey: .totalSeconds)
        sessions = try container.decode([Session].self, forKey: .sessions)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runningSince, forKey: .runningSince)
        try container.encode(totalSeconds, forKey: .totalSeconds)
        try container.encode(sessions, forKey: .sessions)
    }

    static let empty = MissionTimer(runningSince: nil, totalSeconds: 0, sessions: [])

    /// `providerId`'s sessions on `requestId`, totalled at `now`.
    static func load(providerId: String, requestId: String, now: Date, in db: Database) throws -> MissionTimer {
        let records = try MissionWorkSessionRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM mission_work_sessions WHERE request_id = ? AND provider_id = ? ORDER BY started_at, id"),
            arguments: [requestId, providerId])
        var total: TimeInterval = 0
        var running: String?
        var sessions: [Session] = []
        for record in records {
            let started = record.startedAt
            let stopped = record.stoppedAt
            sessions.append(Session(startedAt: started, stoppedAt: stopped))
            guard let start = UTCTimestamp.parse(started) else { continue }
            if let stopped, let end = UTCTimestamp.parse(stopped) {
                total += max(0, end.timeIntervalSince(start))
            } else {
                running = started
                total += max(0, now.timeIntervalSince(start))
            }
        }
        return MissionTimer(runningSince: running, totalSeconds: Int(total), sessions: sessions)
    }
}

/// What the timer is asked to do.
public enum MissionTimerAction: String, Codable, Sendable, CaseIterable {
    case start, stop
}

extension ProviderRequestError {
    /// The mission is not between Acceptée and Terminée (cancelled, or not yet accepted): its work cannot change.
    static func missionNotActive(_ what: String, _ status: RequestStatus) -> ProviderRequestError {
        .illegalTransition("\(what) impossible : la mission est « \(status.labelFR) »")
    }

    /// A payment request (invoice) already exists for the request.
    public static let invoiceExists = ProviderRequestError(
        code: "invoice_exists", messageFR: "Demande de paiement déjà envoyée pour cette mission", kind: .conflict)

    public static let materialNotFound = ProviderRequestError(code: "not_found", messageFR: "Matériel introuvable", kind: .notFound)
}

extension ProviderRequestCommands {
    /// Mission statuses in which the provider records materials, time and photos.
    static let workingStatuses: Set<RequestStatus> = [.acceptee, .arrive, .diagnostic, .reparation, .terminee]

    /// Limits of a material line.
    public static let materialLabelMax = 160
    public static let materialQuantityMax = 10_000
    public static let materialUnitPriceMax = 10_000_000

    // MARK: - Materials

    /// Adds a material line (label 1–160 characters, quantity 1–10 000, unit price 0–10 000 000 francs) to a mission
    /// assigned to `providerId`, while it is between Acceptée and Terminée and no payment request was sent.
    ///
    /// - Throws: `not_found`, `invalid_parameter` naming the field, `illegal_transition` (cancelled mission),
    ///   `invoice_exists` (materials are frozen once the client was sent the amount), `idempotency_key_reused`.
    public func addMaterial(
        providerId: String, requestId: String, label: String, quantity: Int, unitPrice: Int, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> MissionMaterialResult {
        let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !label.isEmpty, label.unicodeScalars.count <= Self.materialLabelMax else {
            throw ProviderRequestError.invalid("label", "Libellé du matériel (label) : 1 à 160 caractères")
        }
        guard (1...Self.materialQuantityMax).contains(quantity) else {
            throw ProviderRequestError.invalid("quantity", "Quantité (quantity) : nombre entier de 1 à 10 000")
        }
        guard (0...Self.materialUnitPriceMax).contains(unitPrice) else {
            throw ProviderRequestError.invalid("unit_price", "Prix unitaire (unit_price) : montant entier de 0 à 10 000 000 FCFA")
        }
        return try await work("add_material", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            try Self.checkMaterialsOpen(context, in: tx.db)
            let record = MissionMaterialRecord(
                id: DjobeaID.v7(now: tx.now), requestId: requestId, providerId: providerId, label: label, quantity: Int64(quantity),
                unitPrice: Int64(unitPrice), recordedAt: UTCTimestamp.format(tx.now))
            try tx.insert(record)
            let material = ProviderRequestDetail.Material(record)
            return try Self.materialResult("add_material", material, context: context, now: now, in: tx.db)
        }
    }

    /// Deletes a material line of the mission (same conditions as adding one).
    ///
    /// A material already deleted (or another mission's) is `not_found`, unless the call replays the first delete's
    /// idempotency key, which answers the first result again.
    public func deleteMaterial(providerId: String, requestId: String, materialId: String, idempotencyKey: String? = nil, now: Date = Date())
        async throws -> MissionMaterialResult
    {
        try await work("delete_material", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            guard DjobeaID.isValid(materialId),
                let record = try MissionMaterialRecord.fetchOne(
                    tx.db, sql: "SELECT * FROM mission_materials WHERE id = ? AND request_id = ? AND provider_id = ?",
                    arguments: [materialId, requestId, providerId])
            else { throw ProviderRequestError.materialNotFound }
            try Self.checkMaterialsOpen(context, in: tx.db)
            let material = ProviderRequestDetail.Material(record)
            try tx.delete(record)
            return try Self.materialResult("delete_material", material, context: context, now: now, in: tx.db)
        }
    }

    static func checkMaterialsOpen(_ context: ProviderRequestContext, in db: Database) throws {
        guard workingStatuses.contains(context.missionStatus) else { throw ProviderRequestError.missionNotActive("Matériel", context.missionStatus) }
        if try invoiceId(requestId: context.requestId, in: db) != nil {
            throw ProviderRequestError(
                code: "invoice_exists", messageFR: "Demande de paiement déjà envoyée : le matériel ne peut plus changer", kind: .conflict)
        }
    }

    static func materialResult(
        _ command: String, _ material: ProviderRequestDetail.Material, context: ProviderRequestContext, now: Date, in db: Database
    ) throws -> MissionMaterialResult {
        let total =
            try Int.fetchOne(
                db, sql: "SELECT coalesce(sum(quantity * unit_price), 0) FROM mission_materials WHERE request_id = ? AND provider_id = ?",
                arguments: [context.requestId, context.providerId]) ?? 0
        return MissionMaterialResult(
            command: command, requestId: context.requestId, material: material, materialsTotal: total, materialsTotalLabel: XAF(total).formatted,
            recordedAt: UTCTimestamp.format(now), replayed: false)
    }

    static func invoiceId(requestId: String, in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM invoices WHERE request_id = ?"), arguments: [requestId])
    }

    // MARK: - Timer

    /// How far ahead of the hub's clock a phone's tap time may be.
    public static let timerSkew: TimeInterval = 5 * 60

    /// Starts or stops the mission's work timer at `at`, the phone's time of the tap (an offline tap replayed later
    /// still counts from the tap).
    ///
    /// `at` may not be more than 5 minutes ahead of the hub's clock, nor before the mission was accepted
    /// (`invalid_parameter`, field `at`). Starting while running and stopping while stopped write nothing
    /// (`replayed`). Sessions never overlap: a start before the previous session's end starts at that end, and a stop
    /// before its session's start closes it with zero length. Starting needs a mission between Acceptée and Terminée;
    /// stopping is always possible on the provider's own mission.
    public func timer(
        providerId: String, requestId: String, action: MissionTimerAction, at: Date, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> MissionTimerResult {
        guard at <= now.addingTimeInterval(Self.timerSkew) else {
            throw ProviderRequestError.invalid("at", "Heure du chronomètre (at) dans le futur : vérifiez l'heure du téléphone")
        }
        let command = "timer_" + action.rawValue
        return try await work(command, providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            let events = try MissionProjection.events(requestId: requestId, in: tx.db)
            let state = MissionStatusFold.fold(events)
            if let accepted = state.wallTime(of: .acceptee), at < accepted.addingTimeInterval(-1) {
                throw ProviderRequestError.invalid("at", "Heure du chronomètre (at) antérieure à l'acceptation de la mission")
            }
            let open = try MissionWorkSessionRecord.fetchOne(
                tx.db,
                sql:
                    "SELECT * FROM mission_work_sessions WHERE request_id = ? AND provider_id = ? AND stopped_at IS NULL ORDER BY started_at DESC LIMIT 1",
                arguments: [requestId, providerId])
            var wrote = false
            switch action {
            case .start:
                guard Self.workingStatuses.contains(context.missionStatus) else {
                    throw ProviderRequestError.missionNotActive("Chronomètre", context.missionStatus)
                }
                if open == nil {
                    let lastStop = try String.fetchOne(
                        tx.db, sql: "SELECT max(stopped_at) FROM mission_work_sessions WHERE request_id = ? AND provider_id = ?",
                        arguments: [requestId, providerId]
                    ).flatMap(UTCTimestamp.parse)
                    let start = max(at, lastStop ?? at)
                    try tx.insert(
                        MissionWorkSessionRecord(
                            id: DjobeaID.v7(now: tx.now), requestId: requestId, providerId: providerId, startedAt: UTCTimestamp.format(start),
                            stoppedAt: nil))
                    wrote = true
                }
            case .stop:
                if var open {
                    let started = UTCTimestamp.parse(open.startedAt) ?? at
                    open.stoppedAt = UTCTimestamp.format(max(at, started))
                    try tx.update(open, columns: [.stoppedAt])
                    wrote = true
                }
            }
            return MissionTimerResult(
                command: command, requestId: requestId, action: action.rawValue,
                timer: try MissionTimer.load(providerId: providerId, requestId: requestId, now: now, in: tx.db),
                recordedAt: UTCTimestamp.format(now), replayed: !wrote)
        }
    }

    // MARK: - Running a mission-work command

    /// One transaction: replay lookup, access check (assigned to the caller, else `not_found`), the command, the
    /// replay record.
    func work<T: MissionWorkAnswer>(
        _ command: String, _ providerId: String, _ requestId: String, _ idempotencyKey: String?, _ durability: Durability, _ now: Date,
        _ body: @escaping @Sendable (SyncedTransaction, ProviderRequestContext) throws -> T
    ) async throws -> T {
        let key = try RequestCommandReplay.check(idempotencyKey)
        return try await database.write(durability: durability, now: now) { tx in
            if let key,
                let replay = try RequestCommandReplay.lookup(
                    T.self, providerId: providerId, key: key, command: command, requestId: requestId, in: tx.db)
            {
                return replay
            }
            let context = try ProviderRequestAccess.require(providerId: providerId, requestId: requestId, now: now, in: tx.db)
            guard context.isMine else { throw ProviderRequestError.notFound }
            let result = try body(tx, context)
            if let key, !result.replayed { try RequestCommandReplay.store(result, providerId: providerId, key: key, now: now, in: tx.db) }
            return result
        }
    }
}

extension ProviderRequestDetail.Material {
    /// The card's line for a stored material.
    init(_ record: MissionMaterialRecord) {
        let (quantity, unitPrice) = (Int(record.quantity), Int(record.unitPrice))
        self.init(
            id: record.id, label: record.label, quantity: quantity, unitPrice: unitPrice, total: quantity * unitPrice,
            totalLabel: XAF(quantity * unitPrice).formatted, recordedAt: record.recordedAt)
    }
}
