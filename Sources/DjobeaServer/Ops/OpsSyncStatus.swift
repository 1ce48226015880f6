import DjobeaDomain
import DjobeaStore
import DjobeaSync
import Foundation

/// The body of `GET /ops/sync-status`: this node and, per hub, how its sync is going (DESIGN.md "Sync protocol" 9).
public struct OpsSyncStatus: Codable, Sendable {
    public var nodeId: String
    public var role: String
    public var generatedAt: String
    public var protocolVersion: Int
    public var schemaVersion: Int
    /// The last position of this node's change log.
    public var changeLogHead: Int64
    /// On a hub: central's node id, once linked.
    public var centralNodeId: String?
    /// Every open conflict recorded on this node.
    public var openConflicts: Int
    /// Central: every hub (or those the `q` and `etat` filters select), most behind first (`OpsFleet.sorted`). Hub:
    /// itself, with its link to central.
    public var hubs: [OpsHubStatus]
    /// The most recent open conflicts (at most 100), newest first.
    public var conflicts: [OpsConflict]
    /// The last backup proven restorable on this machine (`djobea backup --verify`), null when none is recorded.
    public var lastVerifiedBackup: OpsBackupStatus? = nil
    /// Central: how many hubs in each group of the fleet view, over every hub whatever the filter. Null on a hub.
    public var fleet: OpsFleetCounts?
}

/// The last backup proven restorable (`djobea backup --verify`), as recorded in the node's data directory.
public struct OpsBackupStatus: Codable, Sendable {
    /// When the snapshot was taken, UTC, and its age in seconds.
    public var takenAt: String
    public var ageSeconds: Int?
    /// When it was restored and checked, UTC.
    public var verifiedAt: String
    public var file: String
    public var bytes: Int
    public var schemaVersion: Int
    public var integrity: String
    /// Rows counted in the backup and found again in its restored copy, every table together.
    public var rows: Int
    /// More than 36 hours old (the nightly backup failed): the backup alert's threshold.
    public var late: Bool

    /// The backup alert's threshold (`deploy/prometheus/alerts.yml`, DjobeaSauvegardeAncienne).
    static let lateAfter: TimeInterval = 36 * 3600

    init(_ record: BackupVerification, now: Date) {
        let age = OpsHealth.age(record.backupTakenAt, now: now)
        self.init(
            takenAt: record.backupTakenAt, ageSeconds: age, verifiedAt: record.verifiedAt, file: record.backupFile, bytes: record.bytes,
            schemaVersion: record.schemaVersion, integrity: record.integrity, rows: record.totalRows, late: Double(age ?? 0) > Self.lateAfter)
    }

    init(
        takenAt: String, ageSeconds: Int?, verifiedAt: String, file: String, bytes: Int, schemaVersion: Int, integrity: String, rows: Int,
        late: Bool
    ) {
        self.takenAt = takenAt
        self.ageSeconds = ageSeconds
        self.verifiedAt = verifiedAt
        self.file = file
        self.bytes = bytes
        self.schemaVersion = schemaVersion
        self.integrity = integrity
        self.rows = rows
        self.late = late
    }
}

/// One hub's sync as this node sees it.
public struct OpsHubStatus: Codable, Sendable {
    public var name: String
    public var hubId: String?
    /// The hub's node (its origin id in the change logs).
    public var nodeId: String?
    /// `ok`, `late` (`state` is `late`, no success for `OpsHealth.lateAfter`, or changes waiting that long), `error`,
    /// `never`.
    public var status: String
    public var statusLabel: String
    /// Whether the hub keeps its sync rhythm: `ok`, `late` (nothing heard from it for more than two sync intervals),
    /// `never` (never heard from). Independent of errors: a hub that keeps failing is still heard from.
    public var state: String
    public var stateLabel: String
    /// When the hub became late (its last contact plus two sync intervals), while it is.
    public var lateSince: String?
    /// Seconds since the hub's last contact (`last_seen_at`, else its last success).
    public var lastSeenAgeSeconds: Int?
    /// The sync interval this node expects (`DJOBEA_SYNC_INTERVAL`), in seconds.
    public var expectedIntervalSeconds: Double
    public var revoked: Bool
    public var lastSuccessAt: String?
    public var lastSuccessAgeSeconds: Int?
    public var lastError: String?
    public var lastErrorAt: String?
    public var lastErrorAgeSeconds: Int?
    public var lastSeenAt: String?
    /// Central: entries of central's log after the hub's cursor not made by the hub, before the partition filter (an
    /// upper bound). Null on a hub (it cannot know).
    public var pendingToHubEstimate: Int?
    /// Central: of those, the ones in the hub's partition, when few enough to check (else null).
    public var pendingToHub: Int?
    /// The hub's changes central has not acknowledged: as reported by the hub at its last pull (central), or counted
    /// in its own log (hub).
    public var pendingFromHub: Int
    public var oldestPendingAt: String?
    public var oldestPendingAgeSeconds: Int?
    public var photoBacklogBytes: Int64
    /// Open conflicts with a side made by this hub (central), or all open conflicts of the hub (hub).
    public var openConflicts: Int
    /// Central: the hub's clock minus central's at its last request. Hub: central's clock minus the hub's.
    public var clockOffsetMs: Int64?
    /// More than 5 minutes of offset (CONFLICTS.md rule 6).
    public var clockDrift: Bool
    public var protocolVersion: Int?
    public var schemaVersion: Int?
    /// Central: the hub's cursor into central's log. Hub: its cursor into central's log (`through`).
    public var cursor: Int64?
    /// The highest sequence number of the hub's own changes that central holds.
    public var acknowledged: Int64?
    public var bytesIn: Int64
    public var bytesOut: Int64
    public var changesIn: Int64
    public var changesOut: Int64
    /// Changes stamped more than 5 minutes ahead (a fast clock), kept but not in effect yet (SPEC.md §2.2).
    public var heldChanges: Int = 0
    /// When the last of them takes effect if the clocks stay as they are, UTC.
    public var heldUntil: String?
    /// Central: the codes of the zones the hub serves.
    public var zones: [String] = []
    /// The one group the fleet view files the hub under, most urgent first: `late`, `error`, `never`, `ok`, `revoked`
    /// (`OpsFleet.Category`); what the `etat` filter of `/ops` and `/ops/sync-status` selects.
    public var category: String = "ok"
    public var categoryLabel: String = "À jour"
}

/// One open conflict, both sides decoded, with the French wording ops reads.
public struct OpsConflict: Codable, Sendable {
    public var id: String
    public var table: String
    public var key: String
    public var kind: String
    public var kindLabel: String
    /// `info`, `warning` or `critical` (money may be wrong).
    public var severity: String
    /// The deciding rule, `CONFLICTS-n` or `SPEC-4.6`.
    public var rule: String
    public var ruleLabel: String
    public var detectedAt: String
    /// `origin_node`, `origin_seq`, `hlc` of the change that won, when one did.
    public var winner: [String: ColumnValue]?
    /// The change that lost or was refused (`column` for an `owner_only` refusal, `reason` for a constraint).
    public var loser: [String: ColumnValue]?
    /// The change behind each side, when known (from the side, or from the change that inserted the row it names).
    public var winnerOrigin: OpsChangeOrigin?
    public var loserOrigin: OpsChangeOrigin?
}

/// Who made one side of a conflict, and when by its HLC.
public struct OpsChangeOrigin: Codable, Sendable {
    public var nodeId: String
    /// A hub's name, "Central", or a shortened node id when the node is unknown here.
    public var name: String
    public var originSeq: Int64?
    public var hlc: Int64?
    /// The wall-clock part of the HLC, UTC.
    public var madeAt: String?
}

/// Derives the ops view from a store snapshot: statuses, ages, drift flags, French labels. Pure.
enum OpsHealth {
    /// Hubs sync every ~10 s while the link works: five minutes without a success is late.
    static let lateAfter: TimeInterval = 300
    /// The sync interval expected of hubs when none is configured (a hub's `DJOBEA_SYNC_INTERVAL` default).
    static let defaultSyncInterval: TimeInterval = 10
    /// Missed sync intervals after which a hub is late.
    static let missedIntervals: Double = 2
    /// CONFLICTS.md rule 6.
    static let driftThresholdMs: Int64 = 5 * 60 * 1000

    /// - Parameters:
    ///   - syncInterval: the sync interval expected of hubs (seconds); a hub unheard of for twice that is late.
    static func report(_ snapshot: SyncStatusSnapshot, now: Date, syncInterval: TimeInterval = defaultSyncInterval) -> OpsSyncStatus {
        var names = snapshot.peerNames
        names[snapshot.nodeId] = snapshot.role == .central ? "Central" : (snapshot.hubs.first?.name ?? "Ce hub")
        if let central = snapshot.centralNodeId { names[central] = "Central" }
        return OpsSyncStatus(
            nodeId: snapshot.nodeId, role: snapshot.role.rawValue, generatedAt: UTCTimestamp.format(now), protocolVersion: syncProtocolVersion,
            schemaVersion: snapshot.schemaVersion, changeLogHead: snapshot.changeLogHead, centralNodeId: snapshot.centralNodeId,
            openConflicts: snapshot.openConflicts,
            hubs: OpsFleet.sorted(snapshot.hubs.map { hub(snapshot: snapshot, $0, now: now, syncInterval: syncInterval) }),
            conflicts: snapshot.recentConflicts.map { conflict($0, names: names) })
    }

    static func hub(snapshot: SyncStatusSnapshot, _ hub: HubSyncStatus, now: Date, syncInterval: TimeInterval = defaultSyncInterval)
        -> OpsHubStatus
    {
        let link = hub.link
        let onHub = snapshot.role == .hub
        let lastSuccessAge = age(link?.lastSuccessAt, now: now)
        let oldestAge = age(hub.oldestPendingAt, now: now)
        let rhythm = rhythm(hub, now: now, syncInterval: syncInterval)
        var (status, label) = status(hub, lastSuccessAge: lastSuccessAge, oldestPendingAge: oldestAge)
        if rhythm.state == "late", status == "ok" { (status, label) = ("late", "En retard") }
        return OpsHubStatus(
            name: hub.name, hubId: hub.hubId, nodeId: onHub ? snapshot.nodeId : link?.nodeId, status: status, statusLabel: label,
            state: rhythm.state, stateLabel: rhythm.label, lateSince: rhythm.lateSince.map(UTCTimestamp.format),
            lastSeenAgeSeconds: rhythm.lastSeenAge, expectedIntervalSeconds: syncInterval,
            revoked: hub.revoked, lastSuccessAt: link?.lastSuccessAt, lastSuccessAgeSeconds: lastSuccessAge, lastError: link?.lastError,
            lastErrorAt: link?.lastErrorAt, lastErrorAgeSeconds: age(link?.lastErrorAt, now: now), lastSeenAt: link?.lastSeenAt,
            pendingToHubEstimate: hub.pendingToHubEstimate,
            pendingToHub: hub.pendingToHubInPartition, pendingFromHub: hub.pendingFromHub, oldestPendingAt: hub.oldestPendingAt,
            oldestPendingAgeSeconds: oldestAge, photoBacklogBytes: link?.photoBacklogBytes ?? 0, openConflicts: hub.openConflicts,
            clockOffsetMs: link?.clockOffsetMs, clockDrift: link?.clockOffsetMs.map { abs($0) > driftThresholdMs } ?? false,
            // On a hub, the versions are its own; on central, what the hub reported at its last pull.
            protocolVersion: onHub ? syncProtocolVersion : link?.protocolVersion, schemaVersion: onHub ? snapshot.schemaVersion : link?.schemaVersion,
            cursor: onHub ? link?.pulledThrough : link?.peerCursor, acknowledged: link?.acknowledged, bytesIn: link?.bytesIn ?? 0,
            bytesOut: link?.bytesOut ?? 0, changesIn: link?.changesIn ?? 0, changesOut: link?.changesOut ?? 0,
            heldChanges: hub.heldChanges, heldUntil: hub.heldUntil, zones: hub.zones
        ).categorized()
    }

    static func status(_ hub: HubSyncStatus, lastSuccessAge: Int?, oldestPendingAge: Int?) -> (String, String) {
        guard let link = hub.link else { return ("never", "Jamais connecté") }
        if hub.revoked { return ("error", "Révoqué") }
        if link.refusesOldProtocol { return ("error", protocolTooOldNoticeFR) }
        if let errorAt = link.lastErrorAt, link.lastError != nil, errorAt >= (link.lastSuccessAt ?? "") { return ("error", "Erreur") }
        guard let lastSuccessAge else { return ("never", "Jamais synchronisé") }
        if Double(lastSuccessAge) > lateAfter || Double(oldestPendingAge ?? 0) > lateAfter { return ("late", "En retard") }
        return ("ok", "OK")
    }

    /// Whether the hub keeps its rhythm: late once nothing was heard from it for more than `missedIntervals` sync
    /// intervals (its last contact, `last_seen_at`, else its last success).
    static func rhythm(_ hub: HubSyncStatus, now: Date, syncInterval: TimeInterval) -> (
        state: String, label: String, lateSince: Date?, lastSeenAge: Int?
    ) {
        guard let link = hub.link, let seen = (link.lastSeenAt ?? link.lastSuccessAt).flatMap(UTCTimestamp.parse) else {
            return ("never", "Jamais vu", nil, nil)
        }
        let lastSeenAge = max(0, Int(now.timeIntervalSince(seen).rounded(.down)))
        let lateAt = seen.addingTimeInterval(missedIntervals * syncInterval)
        guard now > lateAt else { return ("ok", "À l'heure", nil, lastSeenAge) }
        return ("late", "En retard", lateAt, lastSeenAge)
    }

    static func conflict(_ conflict: OpenSyncConflict, names: [String: String]) -> OpsConflict {
        func origin(_ origin: ChangeOrigin?) -> OpsChangeOrigin? {
            guard let origin else { return nil }
            return OpsChangeOrigin(
                nodeId: origin.node, name: names[origin.node] ?? "nœud \(origin.node.prefix(8))…", originSeq: origin.seq, hlc: origin.hlc,
                madeAt: origin.hlc.flatMap { $0 > 0 ? UTCTimestamp.format(HLC(packed: $0).date) : nil })
        }
        return OpsConflict(
            id: conflict.id, table: conflict.table, key: conflict.key, kind: conflict.kind, kindLabel: OpsWording.kindLabel(conflict.kind),
            severity: OpsWording.severity(conflict.kind).rawValue, rule: conflict.rule, ruleLabel: OpsWording.ruleLabel(conflict.rule),
            detectedAt: conflict.detectedAt, winner: conflict.winner, loser: conflict.loser, winnerOrigin: origin(conflict.winnerOrigin),
            loserOrigin: origin(conflict.loserOrigin))
    }

    /// Whole seconds since the UTC timestamp `text` (never negative), or nil.
    static func age(_ text: String?, now: Date) -> Int? {
        guard let text, let date = UTCTimestamp.parse(text) else { return nil }
        return max(0, Int(now.timeIntervalSince(date).rounded(.down)))
    }
}
