import DjobeaDomain
import DjobeaStore
import Foundation

/// The sync, conflict and backup series of `/metrics` (what `deploy/prometheus/alerts.yml` watches), read at scrape
/// time from what `/ops/sync-status` reads: the same figures on both roles and on both storage engines.
struct SyncSeries: Sendable, Equatable {
    /// One hub as this node sees it: every enrolled hub at central, the hub itself at a hub.
    struct Hub: Sendable, Equatable {
        var name: String
        /// Its last successful sync round (central: as central recorded it; hub: its own with central).
        var lastSuccess: Date?
        /// The hub's changes central has not acknowledged (central: as the hub reported at its last pull; hub: counted
        /// in its own log): the /ops figure « En attente venant du hub » / « À envoyer au central ».
        var pendingFromHub: Int
        /// Central only: what waits in central's log for this hub (exact for its partition when few enough to check,
        /// else the upper bound /ops shows).
        var pendingToHub: Int?
        /// The hub's clock minus central's, in seconds, at the last exchange (nil before the first).
        var clockOffsetSeconds: Double?
    }

    var hubs: [Hub]
    var openConflicts: [ConflictSeverity: Int]
    /// When the last backup proven restorable (`djobea backup --verify`) was taken; the Unix epoch at a hub that has
    /// none yet (so that the backup alert fires); nil at central without one (its backups may be PostgreSQL's).
    var backupVerifiedAt: Date?

    /// Central counts what is due to a hub exactly (partition filter) only below this many log entries after its cursor.
    static let exactScanLimit = 1_000

    /// The series of `storage` now.
    ///
    /// - Parameters:
    ///   - hubName: at a hub, its own name (its `hub` label); the node id when unknown (a hub not enrolled).
    ///   - dataDirectory: where `backup-verified.json` is kept (nil: no backup series).
    static func read(storage: any ServedStorage, hubName: String?, dataDirectory: URL?) async throws -> SyncSeries {
        let status = try await storage.syncStatus(hubName: hubName ?? storage.nodeId, conflictLimit: 0, exactScanLimit: exactScanLimit)
        let onHub = status.role == .hub
        var seen = Set<String>()
        let hubs = status.hubs.map { hub -> Hub in
            // Two hubs of one name would make two series with the same labels, which Prometheus refuses.
            var name = hub.name
            if seen.contains(name) { name += " (\(hub.hubId ?? hub.link?.nodeId ?? "?"))" }
            seen.insert(name)
            let offset = hub.link?.clockOffsetMs.map { Double(onHub ? -$0 : $0) / 1000 }
            return Hub(
                name: name, lastSuccess: hub.link?.lastSuccessAt.flatMap(UTCTimestamp.parse), pendingFromHub: hub.pendingFromHub,
                pendingToHub: onHub ? nil : (hub.pendingToHubInPartition ?? hub.pendingToHubEstimate ?? 0), clockOffsetSeconds: offset)
        }
        var conflicts: [ConflictSeverity: Int] = [:]
        for (kind, count) in try await storage.openConflictCountsByKind() { conflicts[OpsWording.severity(kind), default: 0] += count }
        var backup = dataDirectory.flatMap(BackupVerification.load(from:)).flatMap { UTCTimestamp.parse($0.backupTakenAt) }
        if backup == nil, onHub, dataDirectory != nil { backup = Date(timeIntervalSince1970: 0) }
        return SyncSeries(hubs: hubs, openConflicts: conflicts, backupVerifiedAt: backup)
    }

    /// The exposition lines, each family with its HELP and TYPE.
    var exposition: String {
        var lines: [String] = []
        func family(_ name: String, _ help: String, _ samples: [String]) {
            lines += ["# HELP \(name) \(help)", "# TYPE \(name) gauge"] + samples
        }
        func label(_ hub: Hub) -> String { "{hub=\"\(Self.escape(hub.name))\"}" }
        family(
            "djobea_sync_last_success_timestamp_seconds",
            "Dernière synchronisation réussie du hub avec le central (secondes Unix) : au central un hub par série, au hub la sienne",
            hubs.compactMap { hub in
                hub.lastSuccess.map { "djobea_sync_last_success_timestamp_seconds\(label(hub)) \(Self.number($0.timeIntervalSince1970))" }
            })
        family(
            "djobea_sync_pending_changes",
            "Modifications du hub que le central n'a pas encore acceptées (au central : selon le hub à sa dernière synchro)",
            hubs.map { "djobea_sync_pending_changes\(label($0)) \($0.pendingFromHub)" })
        family(
            "djobea_sync_pending_to_hub_changes",
            "Central : modifications du central qui attendent le hub (exact pour sa partition quand elles sont peu nombreuses, sinon borne haute)",
            hubs.compactMap { hub in hub.pendingToHub.map { "djobea_sync_pending_to_hub_changes\(label(hub)) \($0)" } })
        family(
            "djobea_sync_clock_offset_seconds",
            "Horloge du hub moins celle du central au dernier échange, en secondes",
            hubs.compactMap { hub in hub.clockOffsetSeconds.map { "djobea_sync_clock_offset_seconds\(label(hub)) \(Self.number($0))" } })
        family(
            "djobea_open_conflicts", "Conflits de synchronisation ouverts sur ce nœud, par gravité (critical : de l'argent est en jeu)",
            ConflictSeverity.allCases.map { "djobea_open_conflicts{severity=\"\($0.rawValue)\"} \(openConflicts[$0] ?? 0)" })
        if let backupVerifiedAt {
            family(
                "djobea_backup_last_verified_timestamp_seconds",
                "Moment où a été prise la dernière sauvegarde vérifiée par une restauration (djobea backup --verify), secondes Unix",
                ["djobea_backup_last_verified_timestamp_seconds \(Self.number(backupVerifiedAt.timeIntervalSince1970))"])
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value escaped for the text exposition (backslash, double quote, newline).
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A sample value: whole numbers without a fraction, others to the millisecond.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(format: "%.3f", value)
    }
}
