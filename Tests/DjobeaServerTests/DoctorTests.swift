import DjobeaDomain
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DjobeaServer

/// `djobea backup --verify` and `djobea doctor` as a hub operator runs them: the real binary on a real data directory,
/// central serving on loopback, then central down.
@Suite("djobea doctor and backup --verify", .serialized)
struct DoctorTests {
    /// The lines of `out` that start with `symbol` and name `title`.
    static func line(_ out: String, _ symbol: String, _ title: String) -> String? {
        out.split(separator: "\n").map(String.init).first { $0.hasPrefix("\(symbol) \(title) :") }
    }

    @Test(
        "a synced hub with a verified backup passes every check with central up; with central down the link fails with its fix and the rest still run"
    )
    func doctorWithCentralUpThenDown() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let hubData = nodes.hubAStorage.directory.url
        let noEnv = ["--env-file", nodes.directory.appendingPathComponent("absent.env").path]

        // No verified backup yet, never enrolled: the backup line fails with the command that fixes it.
        let bare = try await runDjobea(["doctor", "--data", hubData.path] + noEnv, timeout: 60)
        #expect(bare.status == 1, "\(bare.out)")
        #expect(Self.line(bare.out, "✗", "Sauvegarde")?.contains("sudo systemctl start djobea-backup.service") == true, "\(bare.out)")
        #expect(Self.line(bare.out, "✗", "Liaison avec le central")?.contains("--enroll") == true, "\(bare.out)")
        #expect(bare.err.split(separator: "\n").count == 1 && bare.err.contains("point(s) en échec"), "\(bare.err)")

        // backup --verify while the hub's database is open (the hub runs): written, restored on trial, recorded.
        let backupFile = nodes.directory.appendingPathComponent("nuit.sqlite").path
        let backup = try await runDjobea(["backup", "--verify", "--data", hubData.path, "--to", backupFile])
        #expect(backup.status == 0, "\(backup.err)")
        #expect(backup.out.contains("Sauvegarde vérifiée : restaurée à l'essai, intégrité ok"), "\(backup.out)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: nodes.directory.path).filter { $0.hasPrefix(".djobea-verification-") }
        #expect(leftovers.isEmpty, "the trial restore beside the backup is removed: \(leftovers)")
        let record = try #require(BackupVerification.load(from: hubData))
        #expect(record.backupFile == backupFile)
        #expect(record.integrity == "ok")
        #expect(
            record.rowCounts
                == (try Maintenance.inspect(path: backupFile).rowCounts).merging(["change_log": record.rowCounts["change_log"] ?? -1]) { $1 })

        let (certificate, _) = try TLSTests.selfSigned(in: nodes.directory)
        try await nodes.centralNode().application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let link = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            try link.save(to: hubData)
            _ = try await SyncedNodes.engine(nodes.hubA, link).syncOnce()

            let up = try await runDjobea(["doctor", "--data", hubData.path] + noEnv, timeout: 60)
            #expect(up.status == 0, "\(up.out)\n\(up.err)")
            for title in ["Base de données", "Liaison avec le central", "Horloge", "Sauvegarde", "Dernière synchro", "En attente", "Certificat TLS"] {
                #expect(Self.line(up.out, "✓", title) != nil, "✓ \(title) in:\n\(up.out)")
            }
            #expect(Self.line(up.out, "✓", "Liaison avec le central")?.contains(base) == true)
            #expect(up.out.contains("Espace disque"))
            #expect(up.out.contains("0 modification(s) à envoyer au central"), "\(up.out)")

            // A certificate that expires within 2 days: a failure with the renewal to do.
            let tls = try await runDjobea(["doctor", "--data", hubData.path, "--tls-cert", certificate] + noEnv, timeout: 60)
            #expect(tls.status == 1)
            #expect(Self.line(tls.out, "✗", "Certificat TLS")?.contains("moins de 7 jours") == true, "\(tls.out)")
            #expect(Self.line(tls.out, "✗", "Certificat TLS")?.contains("sudo systemctl restart djobea-hub") == true)
        }

        // Central is gone: its line fails with the fix; every other check still runs and the clock falls back on the
        // offset measured at the last sync.
        let downStarted = ContinuousClock.now
        let down = try await runDjobea(["doctor", "--data", hubData.path] + noEnv, timeout: 60)
        // A refused connection is reported at once, not after the link check's 10 s timeout (one attempt, no retries).
        #expect(ContinuousClock.now - downStarted < .seconds(9), "doctor took \(ContinuousClock.now - downStarted) with central down")
        #expect(down.status == 1)
        let linkLine = try #require(Self.line(down.out, "✗", "Liaison avec le central"), "\(down.out)")
        #expect(linkLine.contains("injoignable") && linkLine.contains("curl -sS"), "\(linkLine)")
        #expect(Self.line(down.out, "✓", "Sauvegarde") != nil, "\(down.out)")
        #expect(Self.line(down.out, "✓", "Horloge")?.contains("mesuré à la dernière synchro") == true, "\(down.out)")
        #expect(Self.line(down.out, "✓", "Dernière synchro") != nil, "\(down.out)")
        #expect(down.out.contains("Espace disque"))
    }

    @Test("a damaged backup is refused by --verify, and nothing is recorded")
    func damagedBackupRefused() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let backupFile = nodes.directory.appendingPathComponent("copie.sqlite").path
        _ = try Maintenance.backup(path: nodes.centralStorage.directory.databasePath, to: backupFile)
        // Overwrite pages in the middle of the file (past the header): the copy no longer passes integrity_check.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: backupFile))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 16_384))
        try handle.close()
        #expect(throws: (any Error).self) { try Maintenance.verify(backup: backupFile, takenAt: Date()) }
        #expect(BackupVerification.load(from: nodes.centralStorage.directory.url) == nil)
    }

    @Test("a good backup restores with the same rows in every table, its schema migrated, the record written and read back")
    func verifiedBackupRecord() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let source = nodes.centralStorage.directory
        let backupFile = nodes.directory.appendingPathComponent("central.sqlite").path
        _ = try Maintenance.backup(path: source.databasePath, to: backupFile)
        let scratch = nodes.directory.appendingPathComponent("scratch", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let verification = try Maintenance.verify(backup: backupFile, takenAt: Date(timeIntervalSince1970: 1_800_000_000), scratch: scratch)
        let live = try Maintenance.inspect(path: source.databasePath)
        #expect(verification.rowCounts["hubs"] == 2, "both enrolled hubs")
        #expect(verification.rowCounts["change_log"] == live.changeLogEntries)
        #expect(verification.totalRows > 2)
        #expect(verification.restoredSchemaVersion == NodeDatabase.latestSchemaVersion)
        #expect(UTCTimestamp.parse(verification.backupTakenAt) == Date(timeIntervalSince1970: 1_800_000_000))
        try verification.save(to: nodes.directory)
        #expect(BackupVerification.load(from: nodes.directory) == verification)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(leftovers.isEmpty, "the trial restore is removed: \(leftovers)")
    }

    @Test("thresholds: clock 2 s / 60 s, disk 20 % / 10 %, certificate 21 / 7 days, backup 36 h, sync 5 / 15 min, backlog 500")
    func thresholds() {
        #expect(Doctor.clockCheck(measured: 0.4, lastKnownMs: nil).outcome == .ok)
        #expect(Doctor.clockCheck(measured: -3, lastKnownMs: nil).outcome == .warning)
        #expect(Doctor.clockCheck(measured: 75, lastKnownMs: nil).outcome == .failure)
        #expect(Doctor.clockCheck(measured: nil, lastKnownMs: 90_000).outcome == .failure, "central's clock 90 s ahead at the last sync")
        #expect(Doctor.clockCheck(measured: nil, lastKnownMs: nil).outcome == .warning)
        #expect(Doctor.clockCheck(measured: 75, lastKnownMs: nil).line.contains("sudo timedatectl set-ntp true"))
        let giga: Int64 = 1_000_000_000
        #expect(Doctor.diskCheck(path: "/d", free: 50 * giga, size: 100 * giga).outcome == .ok)
        #expect(Doctor.diskCheck(path: "/d", free: 15 * giga, size: 100 * giga).outcome == .warning)
        #expect(Doctor.diskCheck(path: "/d", free: 5 * giga, size: 100 * giga).outcome == .failure)
        #expect(Doctor.diskCheck(path: "/d", free: giga / 10, size: giga / 2).outcome == .failure, "100 Mo left")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(Doctor.certificateCheck(path: "c", notAfter: now.addingTimeInterval(90 * 86_400), now: now).outcome == .ok)
        #expect(Doctor.certificateCheck(path: "c", notAfter: now.addingTimeInterval(10 * 86_400), now: now).outcome == .warning)
        #expect(Doctor.certificateCheck(path: "c", notAfter: now.addingTimeInterval(-86_400), now: now).line.contains("expiré"))
        #expect(Doctor.backupCheck(nil, now: now).outcome == .failure)
        #expect(Doctor.backupCheck(nil, now: now).line.contains("sudo systemctl start djobea-backup.service"))
        #expect(
            Doctor.backupCheck(nil, now: now, fix: "« djobea backup --verify »").line.hasSuffix("à faire : « djobea backup --verify »"), "central")
        #expect(Doctor.clockCheck(measured: nil, lastKnownMs: nil, centralKnown: false).line.contains("adresse du central inconnue"))
        var record = BackupVerification(
            verifiedAt: UTCTimestamp.format(now), backupTakenAt: UTCTimestamp.format(now.addingTimeInterval(-40 * 3600)), backupFile: "/absent",
            bytes: 1, schemaVersion: 1, restoredSchemaVersion: 1, integrity: "ok", rowCounts: ["hubs": 1])
        #expect(Doctor.backupCheck(record, now: now).outcome == .failure, "40 h old")
        record.backupTakenAt = UTCTimestamp.format(now.addingTimeInterval(-3600))
        #expect(Doctor.backupCheck(record, now: now).outcome == .warning, "recent, but the file was moved")
        var facts = NodeSyncFacts(
            nodeId: "n", role: .hub, lastSuccessAt: now.addingTimeInterval(-60), lastError: nil, lastErrorAt: nil, clockOffsetMs: 0,
            pendingChanges: 3, oldestPendingAt: now.addingTimeInterval(-30))
        #expect(Doctor.syncCheck(facts, now: now).outcome == .ok)
        #expect(Doctor.pendingCheck(facts, now: now).outcome == .ok)
        facts.lastSuccessAt = now.addingTimeInterval(-600)
        #expect(Doctor.syncCheck(facts, now: now).outcome == .warning)
        facts.lastSuccessAt = now.addingTimeInterval(-3600)
        facts.lastError = "Central injoignable : délai dépassé"
        facts.lastErrorAt = now.addingTimeInterval(-10)
        let late = Doctor.syncCheck(facts, now: now)
        #expect(late.outcome == .failure && late.line.contains("Central injoignable"), "\(late.line)")
        facts.pendingChanges = 501
        #expect(Doctor.pendingCheck(facts, now: now).outcome == .failure)
        facts.lastSuccessAt = nil
        #expect(Doctor.syncCheck(facts, now: now).line.contains("jamais"))
    }
}
