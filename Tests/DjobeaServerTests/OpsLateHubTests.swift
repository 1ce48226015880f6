import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import DjobeaServer

/// Central shows a hub late once it has not synced for two of the intervals central expects (`DJOBEA_SYNC_INTERVAL`).
@Suite("Ops: a hub that stops syncing is shown late", .serialized)
struct OpsLateHubTests {
    @Test("with a 0.5 s interval: ok right after a sync, late (state, late_since, French page) once 1 s passes without one")
    func lateAfterTwoMissedIntervals() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let central = nodes.centralNode(syncInterval: 0.5, ops: OpsSettings(password: OpsTests.password))
        try await central.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let link = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            func hub(_ name: String) async throws -> OpsHubStatus {
                let response = try await client.execute(
                    uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)"])
                return try #require(try decode(OpsSyncStatus.self, response).hubs.first { $0.name == name })
            }
            func hubA() async throws -> OpsHubStatus { try await hub("Hub A") }
            func hubB() async throws -> OpsHubStatus { try await hub("Hub B") }
            _ = try await SyncedNodes.engine(nodes.hubA, link).syncOnce()
            // Right after a sync the hub is on time, unless the machine is so loaded that a second passed already:
            // the answer must agree with its own clock either way (the exact boundaries are checked below).
            let fresh = try await hubA()
            #expect(fresh.state == ((fresh.lastSeenAgeSeconds ?? 99) >= 1 ? "late" : "ok"))
            #expect(fresh.expectedIntervalSeconds == 0.5)
            #expect(try await hubB().state == "never", "enrolled, never heard from")

            // The rule at an injected clock: on time until two intervals after the last contact, late right after.
            let snapshot = try await nodes.central.syncStatus()
            let linked = try #require(snapshot.hubs.first { $0.name == "Hub A" })
            let seen = try #require(linked.link?.lastSeenAt.flatMap(UTCTimestamp.parse))
            let onTime = OpsHealth.hub(snapshot: snapshot, linked, now: seen.addingTimeInterval(0.99), syncInterval: 0.5)
            #expect(onTime.state == "ok" && onTime.lateSince == nil && onTime.status == "ok")
            let overdue = OpsHealth.hub(snapshot: snapshot, linked, now: seen.addingTimeInterval(1.01), syncInterval: 0.5)
            #expect(overdue.state == "late" && overdue.stateLabel == "En retard" && overdue.status == "late")
            #expect(overdue.lateSince == UTCTimestamp.format(seen.addingTimeInterval(1)))
            let tenSeconds = OpsHealth.hub(snapshot: snapshot, linked, now: seen.addingTimeInterval(15), syncInterval: 10)
            #expect(tenSeconds.state == "ok", "15 s after its last sync, a hub on the default 10 s interval is not late yet")
            let fiftyThree = OpsHealth.hub(snapshot: snapshot, linked, now: seen.addingTimeInterval(53), syncInterval: 10)
            #expect(fiftyThree.state == "late" && fiftyThree.lastSeenAgeSeconds == 53, "the issue's 53 s: late, with its age")

            try await Task.sleep(for: .milliseconds(1_300))
            let late = try await hubA()
            #expect(late.state == "late")
            #expect(late.stateLabel == "En retard")
            #expect(late.status == "late", "the overall status says it too")
            #expect(late.statusLabel == "En retard")
            let lastSeen = try #require(late.lastSeenAt.flatMap(UTCTimestamp.parse))
            let lateSince = try #require(late.lateSince.flatMap(UTCTimestamp.parse))
            #expect(abs(lateSince.timeIntervalSince(lastSeen) - 1.0) < 0.01, "late two intervals after its last contact")
            #expect((late.lastSeenAgeSeconds ?? 0) >= 1)

            let (_, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let page = String(buffer: try await client.execute(uri: "/ops", method: .get, headers: [.cookie: try #require(cookie)]).body)
            #expect(page.contains("En retard : aucune synchro depuis "))
            #expect(page.contains(" s (attendue toutes les 0,5 s)."))

            // It syncs again: its last contact moves on, and so does the lateness.
            _ = try await SyncedNodes.engine(nodes.hubA, link).syncOnce()
            let back = try await hubA()
            #expect((back.lastSeenAt ?? "") > (late.lastSeenAt ?? "~"))
            #expect(back.state == ((back.lastSeenAgeSeconds ?? 99) >= 1 ? "late" : "ok"))
        }
    }
}
