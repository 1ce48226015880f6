import DjobeaDomain
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DjobeaServer

/// The series `deploy/prometheus/alerts.yml` watches, scraped from `/metrics` at central and at a hub after real syncs.
@Suite("Sync, conflict and backup series on /metrics", .serialized)
struct SyncMetricsTests {
    /// The value of the sample `name{labels}` (labels exactly as written), or nil when the series is absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test(
        "central: per hub its last success, backlog both ways and clock offset; conflicts by severity; a hub: its own, and its last verified backup"
    )
    func centralAndHubSeriesAfterSync() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let started = Date()
        let link = try await nodes.centralNode().application().test(.live) { client -> CentralLink in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let linkA = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            let engineA = SyncedNodes.engine(nodes.hubA, linkA)
            let before = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.sample(before, "djobea_sync_last_success_timestamp_seconds{hub=\"Hub A\"}") == nil, "no sync yet: no series")
            #expect(Self.sample(before, "djobea_sync_pending_changes{hub=\"Hub B\"}") == 0, "an enrolled hub is listed before its first sync")
            #expect(Self.sample(before, "djobea_open_conflicts{severity=\"critical\"}") == 0)

            let request: [String: Any] = [
                "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier",
                "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ndiaye", "client_phone": "+237677000002",
                "budget_min": 5000, "budget_max": 15000,
            ]
            let provider = try await SyncedNodes.post(
                client, "/central/providers", ["name": "Jean Plombier", "phone": "+237690000001", "services": ["plomberie"], "zones": ["zone-a"]])
            let providerId = try decode(CreatedId.self, provider).id
            let requestId = try decode(CreatedId.self, try await SyncedNodes.post(client, "/central/requests", request)).id
            _ = try await engineA.syncOnce()
            try await nodes.hubA.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            _ = try await engineA.syncOnce()
            // The same MoMo transaction recorded at the hub and at central with different amounts: a critical conflict.
            _ = try await IntakeStore(nodes.hubA).recordPayment(
                PaymentIntake(requestId: requestId, method: "mtn_momo", reference: "MP240101.1234.A00009", amount: 12_000), recordedBy: .provider)
            let paid = try await SyncedNodes.post(
                client, "/central/payments", ["request_id": requestId, "method": "mtn_momo", "reference": "MP240101.1234.A00009", "amount": 13_000])
            #expect(paid.status == .created)
            _ = try await engineA.syncOnce()
            _ = try await engineA.syncOnce()

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            let lastSuccess = try #require(Self.sample(text, "djobea_sync_last_success_timestamp_seconds{hub=\"Hub A\"}"), "\(text)")
            #expect(lastSuccess >= started.timeIntervalSince1970.rounded(.down) && lastSuccess <= Date().timeIntervalSince1970 + 1)
            #expect(Self.sample(text, "djobea_sync_last_success_timestamp_seconds{hub=\"Hub B\"}") == nil, "Hub B never synced")
            #expect(Self.sample(text, "djobea_sync_pending_changes{hub=\"Hub A\"}") == 0, "the hub sent everything")
            #expect(Self.sample(text, "djobea_sync_pending_to_hub_changes{hub=\"Hub A\"}") == 0, "the hub pulled everything")
            let offset = try #require(Self.sample(text, "djobea_sync_clock_offset_seconds{hub=\"Hub A\"}"))
            #expect(abs(offset) < 5, "one machine, one clock")
            #expect((Self.sample(text, "djobea_open_conflicts{severity=\"critical\"}") ?? 0) >= 1)
            #expect(Self.sample(text, "djobea_open_conflicts{severity=\"info\"}") != nil)
            #expect(text.contains("# TYPE djobea_sync_pending_changes gauge"))
            #expect(Self.sample(text, "djobea_backup_last_verified_timestamp_seconds") == nil, "central without a recorded backup: no series")

            // Central takes a new request for zone a: due to the hub until its next pull.
            _ = try await SyncedNodes.post(client, "/central/requests", request.merging(["client_phone": "+237677000003"]) { $1 })
            let later = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect((Self.sample(later, "djobea_sync_pending_to_hub_changes{hub=\"Hub A\"}") ?? 0) >= 2, "the client and its request")
            return linkA
        }

        // The hub's own /metrics: its link with central, its backlog, its conflicts and its backup.
        let hubNode = Node(
            role: .hub, configuration: nodes.hubAStorage.configuration(), storage: nodes.hubAStorage,
            ops: OpsConsole(settings: OpsSettings(password: "mot-de-passe-ops-metrics", hubName: link.hubName, hubId: link.hubId)))
        _ = try await nodes.hubA.write { tx in
            try tx.insert(
                .clients,
                ["id": .text(DjobeaID.v7()), "phone": "+237677000011", "name": "Local", "zone_id": .null, "created_at": ColumnValue(Date())])
        }
        try await hubNode.application().test(.router) { client in
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.sample(text, "djobea_sync_pending_changes{hub=\"Hub A\"}") == 1, "the client made since the last sync: \(text)")
            let lastSuccess = try #require(Self.sample(text, "djobea_sync_last_success_timestamp_seconds{hub=\"Hub A\"}"))
            #expect(lastSuccess >= started.timeIntervalSince1970.rounded(.down))
            #expect(Self.sample(text, "djobea_sync_clock_offset_seconds{hub=\"Hub A\"}") != nil)
            #expect(Self.sample(text, "djobea_sync_pending_to_hub_changes{hub=\"Hub A\"}") == nil, "a hub cannot know what central holds for it")
            #expect(Self.sample(text, "djobea_open_conflicts{severity=\"critical\"}") != nil, "every severity has its series")
            #expect(Self.sample(text, "djobea_backup_last_verified_timestamp_seconds") == 0, "no verified backup yet: the alert must fire")
        }

        // A verified backup: recorded in the data directory, then on /metrics and on /ops.
        let backupFile = nodes.directory.appendingPathComponent("hub-a-backup.sqlite").path
        let takenAt = Date()
        _ = try Maintenance.backup(path: nodes.hubAStorage.directory.databasePath, to: backupFile)
        let verification = try Maintenance.verify(backup: backupFile, takenAt: takenAt)
        try verification.save(to: nodes.hubAStorage.directory.url)
        try await hubNode.application().test(.router) { client in
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let verified = try #require(Self.sample(text, "djobea_backup_last_verified_timestamp_seconds"))
            #expect(abs(verified - takenAt.timeIntervalSince1970) < 1)
            let (_, cookie, _) = try await OpsTests.login(client, password: "mot-de-passe-ops-metrics")
            let session = try #require(cookie)
            let page = String(buffer: try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session]).body)
            #expect(page.contains("Dernière sauvegarde vérifiée"))
            #expect(page.contains("hub-a-backup.sqlite"))
            #expect(!page.contains("Aucune sauvegarde vérifiée"))
            let json = try JSONSerialization.jsonObject(
                with: Data(buffer: try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session]).body))
            let backup = try #require((json as? [String: Any])?["last_verified_backup"] as? [String: Any], "\(json)")
            #expect(backup["file"] as? String == backupFile)
            #expect(backup["integrity"] as? String == "ok")
            #expect((backup["rows"] as? Int ?? 0) == verification.totalRows)
            #expect(backup["late"] as? Bool == false)
        }
    }

    @Test("a hub without a verified backup says so on /ops with the command that makes one")
    func opsWithoutBackup() {
        let html = OpsPage.backupSection(nil, central: false)
        #expect(html.contains("Aucune sauvegarde vérifiée"))
        #expect(html.contains("sudo systemctl start djobea-backup.service"))
        #expect(OpsPage.backupSection(nil, central: true).isEmpty, "central on PostgreSQL backs up with its own tools")
    }

    @Test("label values are escaped, whole numbers print without a fraction, every severity has its series")
    func expositionFormat() {
        let series = SyncSeries(
            hubs: [
                .init(
                    name: "Akwa \"Nord\"\\2", lastSuccess: Date(timeIntervalSince1970: 1_700_000_000), pendingFromHub: 3, pendingToHub: 7,
                    clockOffsetSeconds: -1.5)
            ],
            openConflicts: [.critical: 2], backupVerifiedAt: nil)
        let text = series.exposition
        #expect(text.contains("djobea_sync_last_success_timestamp_seconds{hub=\"Akwa \\\"Nord\\\"\\\\2\"} 1700000000\n"), "\(text)")
        #expect(text.contains("djobea_sync_clock_offset_seconds{hub=\"Akwa \\\"Nord\\\"\\\\2\"} -1.500\n"))
        #expect(text.contains("djobea_open_conflicts{severity=\"critical\"} 2\n"))
        #expect(text.contains("djobea_open_conflicts{severity=\"warning\"} 0\n"))
        #expect(!text.contains("djobea_backup_last_verified_timestamp_seconds "))
    }
}
