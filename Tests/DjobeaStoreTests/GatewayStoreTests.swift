import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Gateway store: the outbox, statuses, inbound messages, pushes")
struct GatewayStoreTests {
    /// A request of Awa accepted by provider A: the acceptance message is queued.
    private func accepted() async throws -> (RequestsWorld, String, String) {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let result = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        return (world, request, try #require(result.messageId))
    }

    private func due(_ world: RequestsWorld, at now: Date) throws -> [GatewayOutboundRow] {
        try world.read { try GatewayOutbox.due(node: "central-node", isDefault: true, now: now, limit: 100, in: SQLiteReplicaConnection(db: $0)) }
    }

    private func row(_ world: RequestsWorld, _ id: String) throws -> Row {
        try #require(try world.read { try Row.fetchOne($0, sql: "SELECT * FROM messages WHERE id = ?", arguments: [id]) })
    }

    private func write<T>(_ world: RequestsWorld, at now: Date, _ body: (SyncedTransaction) throws -> T) throws -> T {
        try world.database.writeBlocking(now: now) { tx in try body(tx) }
    }

    @Test("the acceptance is queued for the default gateway with its template; claimed once per lease; sent once")
    func claimAndSend() async throws {
        let (world, _, id) = try await accepted()
        let queued = try row(world, id)
        #expect(queued["gateway_node"] as String? == nil && queued["template_name"] as String? == "demande_acceptee")
        #expect(queued["template_params"] as String? == #"["Awa","Fuite sous l'évier","Jean Kouam"]"#)
        let now = world.now.addingTimeInterval(5)
        let first = try #require(try due(world, at: now).first)
        #expect(first.id == id && first.clientPhone == "+237677000056" && !first.windowOpen && first.essential && first.attempts == 0)
        #expect(try write(world, at: now) { try GatewayOutbox.claim(id: id, now: now, lease: 120, in: $0.connection) })
        #expect(try !write(world, at: now) { try GatewayOutbox.claim(id: id, now: now, lease: 120, in: $0.connection) })
        #expect(try due(world, at: now.addingTimeInterval(60)).isEmpty, "leased: nobody else takes it")
        // The sender died: after the lease it is taken again, as attempt 2.
        let later = now.addingTimeInterval(121)
        #expect(try due(world, at: later).first?.attempts == 1)
        #expect(try write(world, at: later) { try GatewayOutbox.claim(id: id, now: later, lease: 120, in: $0.connection) })
        try write(world, at: later) { try GatewayOutbox.markSent(id: id, externalId: "wamid.A", channel: "whatsapp", in: $0) }
        let sent = try row(world, id)
        #expect(sent["delivery_status"] as String == "sent" && sent["external_id"] as String? == "wamid.A")
        #expect(try due(world, at: later.addingTimeInterval(1_000)).isEmpty)
    }

    @Test("statuses only move forward, whatever order the webhooks come in")
    func forwardOnly() async throws {
        let (world, _, id) = try await accepted()
        let now = world.now.addingTimeInterval(5)
        try write(world, at: now) { try GatewayOutbox.markSent(id: id, externalId: "wamid.B", channel: "whatsapp", in: $0) }
        func report(_ state: DeliveryStatus) throws -> GatewayOutbox.StatusOutcome {
            try write(world, at: now) {
                try GatewayOutbox.applyStatus(externalId: "wamid.B", messageId: nil, reported: state, reason: "x", notOnWhatsApp: false, in: $0)
            }
        }
        #expect(try report(.read) == .advanced(.read))
        #expect(try report(.delivered) == .unchanged)
        #expect(try report(.failed) == .unchanged)
        #expect(try row(world, id)["delivery_status"] as String == "read")
        #expect(
            try write(world, at: now) {
                try GatewayOutbox.applyStatus(externalId: "wamid.zzz", messageId: nil, reported: .read, reason: nil, notOnWhatsApp: false, in: $0)
            } == .unknown)
    }

    @Test("a status write logs only the columns it changed: the send answer, a delivery report, a replayed report")
    func statusWritesLogChangedColumns() async throws {
        let (world, _, id) = try await accepted()
        let now = world.now.addingTimeInterval(5)
        func lastUpdate() throws -> [String] {
            try world.read {
                try String.fetchAll(
                    $0,
                    sql: """
                        SELECT j.key FROM change_log c, json_each(c.columns) j
                        WHERE c.local_seq = (SELECT max(local_seq) FROM change_log WHERE table_name = 'messages' AND row_key = ? AND op = 'update')
                        ORDER BY j.key
                        """, arguments: [id])
            }
        }
        func report(_ state: DeliveryStatus, at: Date) throws -> GatewayOutbox.StatusOutcome {
            try write(world, at: at) {
                try GatewayOutbox.applyStatus(externalId: "wamid.L", messageId: nil, reported: state, reason: nil, notOnWhatsApp: false, in: $0)
            }
        }
        try write(world, at: now) { try GatewayOutbox.markSent(id: id, externalId: "wamid.L", channel: "whatsapp", in: $0) }
        #expect(try lastUpdate() == ["delivery_status", "external_id", "status_at"], "the channel it was sent on did not change")
        #expect(try report(.delivered, at: now.addingTimeInterval(1)) == .advanced(.delivered))
        #expect(try lastUpdate() == ["delivery_status", "status_at"])
        let logged = try world.count("SELECT count(*) FROM change_log WHERE table_name = 'messages' AND row_key = ?", [id])
        #expect(try report(.delivered, at: now.addingTimeInterval(2)) == .unchanged)
        #expect(try world.count("SELECT count(*) FROM change_log WHERE table_name = 'messages' AND row_key = ?", [id]) == logged)
    }

    @Test("the gateway work kinds are the schema's: the CHECK of gateway_work.kind lists exactly GatewayWorkKind")
    func workKindsMatchSchema() {
        #expect(SchemaV5Gateway.sql.contains("CHECK (kind IN (\(GatewayWorkKind.allCases.sqlList)))"))
    }

    @Test("a send whose answer was lost is reconciled by the status webhook carrying our id: never sent again")
    func reconciledByMessageId() async throws {
        let (world, _, id) = try await accepted()
        let now = world.now.addingTimeInterval(5)
        #expect(try write(world, at: now) { try GatewayOutbox.claim(id: id, now: now, lease: 120, in: $0.connection) })
        let outcome = try write(world, at: now) {
            try GatewayOutbox.applyStatus(externalId: "wamid.C", messageId: id, reported: .delivered, reason: nil, notOnWhatsApp: false, in: $0)
        }
        #expect(outcome == .advanced(.delivered))
        #expect(try row(world, id)["external_id"] as String? == "wamid.C")
        #expect(try due(world, at: now.addingTimeInterval(3_600)).isEmpty)
    }

    @Test("no WhatsApp: essential messages go on by SMS, others fail; the client is remembered")
    func smsFallback() async throws {
        let (world, request, id) = try await accepted()
        let now = world.now.addingTimeInterval(5)
        #expect(try write(world, at: now) { try GatewayOutbox.fallBackToSMS(id: id, reason: "131026", in: $0) })
        let moved = try row(world, id)
        #expect(moved["channel"] as String == "sms" && moved["delivery_status"] as String == "queued")
        let again = try #require(try due(world, at: now).first)
        #expect(again.channel == "sms" && again.noWhatsApp)
        let other = try write(world, at: now) { tx -> String in
            try GatewayReplies.insert(
                body: "Résumé", templateCode: "x", template: nil, essential: false, requestId: request, providerId: world.providerA,
                clientId: world.client, in: tx)
            return try #require(try String.fetchOne(tx.db, sql: "SELECT id FROM messages WHERE template_code = 'x'"))
        }
        #expect(try !write(world, at: now) { try GatewayOutbox.fallBackToSMS(id: other, reason: "131026", in: $0) })
        let failed = try row(world, other)
        #expect(failed["delivery_status"] as String == "failed" && (failed["status_reason"] as String?)?.contains("non essentiel") == true)
    }

    @Test("SMS fallback races: a replayed WhatsApp failure does not fail the SMS; a send answer after the fallback leaves it queued")
    func fallbackRaces() async throws {
        let (world, _, id) = try await accepted()
        let now = world.now.addingTimeInterval(5)
        func report(_ external: String, messageId: String? = nil) throws -> GatewayOutbox.StatusOutcome {
            try write(world, at: now) {
                try GatewayOutbox.applyStatus(
                    externalId: external, messageId: messageId, reported: .failed, reason: "131026", notOnWhatsApp: true, in: $0)
            }
        }
        // 131026 by webhook (with our id) while the WhatsApp send is still waiting for its answer.
        #expect(try write(world, at: now) { try GatewayOutbox.claim(id: id, now: now, lease: 120, in: $0.connection) })
        #expect(try report("wamid.W", messageId: id) == .fellBackToSMS)
        try write(world, at: now) { try GatewayOutbox.markSent(id: id, externalId: "wamid.W", channel: "whatsapp", in: $0) }
        let row1 = try row(world, id)
        #expect(row1["channel"] as String == "sms" && row1["delivery_status"] as String == "queued", "the late answer does not undo the fallback")
        #expect(try due(world, at: now).map(\.id) == [id], "the SMS is due")
        // Meta delivers webhooks at least once: the replay is about the superseded attempt.
        #expect(try report("wamid.W") == .unchanged)
        #expect(try report("wamid.W", messageId: id) == .unchanged)
        #expect(try row(world, id)["delivery_status"] as String == "queued")
        try write(world, at: now) { try GatewayOutbox.markSent(id: id, externalId: "SM123", channel: "sms", in: $0) }
        #expect(try row(world, id)["delivery_status"] as String == "sent")
        #expect(try report("wamid.W") == .unknown, "no row answers to the old attempt's id any more")
        #expect(try report("wamid.W", messageId: id) == .unchanged, "by our id it is recognised as the old attempt")
        #expect(try row(world, id)["delivery_status"] as String == "sent")
    }

    @Test("a gateway writes only the states of its own messages")
    func ownerOnly() async throws {
        let (world, _, id) = try await accepted()
        let now = world.now.addingTimeInterval(5)
        try write(world, at: now) { try GatewayOutbox.markSent(id: id, externalId: "wamid.O", channel: "whatsapp", in: $0) }
        let outcome = try write(world, at: now) {
            try GatewayOutbox.applyStatus(
                externalId: "wamid.O", messageId: id, reported: .read, reason: nil, notOnWhatsApp: false, owner: ("hub-gateway", false), in: $0)
        }
        #expect(outcome == .unknown)
        #expect(try row(world, id)["delivery_status"] as String == "sent")
    }

    @Test("a hub that stops being its own gateway hands its queued messages to central and drops its push subscriptions")
    func gatewayHandOver() async throws {
        let world = try RequestsWorld()
        try await GatewayStore(world.database).setGateway(true)
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let id = try #require(try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now).messageId)
        _ = try world.database.writeBlocking(now: world.now) { tx in
            try PushStore.subscribe(
                providerId: world.providerA, deviceId: "device-aaaa", endpoint: "https://push.example/x", p256dh: String(repeating: "B", count: 87),
                auth: String(repeating: "A", count: 22), gatewayNode: world.database.nodeId, in: tx)
        }
        try await GatewayStore(world.database).setGateway(false)
        #expect(try row(world, id)["gateway_node"] as String? == nil)
        #expect(try due(world, at: world.now.addingTimeInterval(5)).map(\.id) == [id], "central sends it now")
        #expect(try world.count("SELECT count(*) FROM push_subscriptions") == 0)
    }

    @Test("a hub that is its own gateway names itself on its messages; central leaves them alone")
    func hubGateway() async throws {
        let world = try RequestsWorld()
        try await GatewayStore(world.database).setGateway(true)
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let result = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        let id = try #require(result.messageId)
        #expect(try row(world, id)["gateway_node"] as String? == world.database.nodeId)
        #expect(try due(world, at: world.now.addingTimeInterval(5)).isEmpty)
        let own = try world.read {
            try GatewayOutbox.due(
                node: world.database.nodeId, isDefault: false, now: world.now.addingTimeInterval(5), limit: 10, in: SQLiteReplicaConnection(db: $0))
        }
        #expect(own.map(\.id) == [id])
    }

    @Test("an inbound text lands on the request once; unknown numbers are kept aside; the window opens")
    func inboundText() async throws {
        let (world, request, _) = try await accepted()
        let now = world.now.addingTimeInterval(120)
        let message = InboundClientMessage(externalId: "wamid.IN1", from: "+237677000056", channel: "whatsapp", text: "Je suis à la maison")
        let outcome = try write(world, at: now) { try GatewayInbound.record(message, now: now, in: $0) }
        guard case .recorded(let messageId, let requestId, let providerId, let intent) = outcome else {
            Issue.record("not recorded: \(outcome)")
            return
        }
        #expect(requestId == request && providerId == world.providerA && intent == "text")
        let stored = try row(world, messageId)
        #expect(stored["direction"] as String == "in" && stored["body"] as String == "Je suis à la maison")
        #expect(try write(world, at: now) { try GatewayInbound.record(message, now: now, in: $0) } == .duplicate)
        let stranger = InboundClientMessage(externalId: "wamid.IN2", from: "+237677123456", channel: "whatsapp", text: "Bonjour")
        #expect(try write(world, at: now) { try GatewayInbound.record(stranger, now: now, in: $0) } == .unmatched(reason: "unknown_client"))
        #expect(try world.count("SELECT count(*) FROM messages WHERE direction = 'in'") == 1)
        _ = try await world.commands.sendMessage(
            providerId: world.providerA, requestId: request, templateCode: "arrive_15min", now: now.addingTimeInterval(10))
        #expect(try due(world, at: now.addingTimeInterval(20)).allSatisfy(\.windowOpen))
        // The provider's feed shows the client's message.
        let feed = try world.read { try ProviderNotificationFeed.events(providerId: world.providerA, after: "", now: now, in: $0) }
        #expect(feed.contains { $0.kind == "client_message" && $0.body == "Je suis à la maison" && $0.requestId == request })
        #expect(try world.read { try ProviderNotificationFeed.events(providerId: world.providerB, after: "", now: now, in: $0) }.isEmpty)
    }

    @Test("\"1\" after a slot proposal accepts it at the hub; STOP opts the client out of non-essential messages")
    func slotAndStop() async throws {
        let (world, request, _) = try await accepted()
        let start = world.now.addingTimeInterval(86_400)
        _ = try await world.commands.postpone(
            providerId: world.providerA, requestId: request, proposedStart: start, proposedEnd: start.addingTimeInterval(7_200),
            now: world.now.addingTimeInterval(60))
        #expect(try world.count("SELECT count(*) FROM messages WHERE template_name = 'nouveau_creneau'") == 1)
        let now = world.now.addingTimeInterval(300)
        let yes = InboundClientMessage(externalId: "wamid.S1", from: "+237677000056", channel: "whatsapp", text: "1")
        guard case .recorded(_, _, _, let intent) = try write(world, at: now, { try GatewayInbound.record(yes, now: now, in: $0) }) else {
            Issue.record("not recorded")
            return
        }
        #expect(intent == "slot_yes")
        #expect(try world.count("SELECT count(*) FROM slot_proposals WHERE state = 'accepted'") == 1)
        let stop = InboundClientMessage(externalId: "wamid.S2", from: "+237677000056", channel: "whatsapp", text: "STOP")
        _ = try write(world, at: now) { try GatewayInbound.record(stop, now: now, in: $0) }
        #expect(try world.count("SELECT count(*) FROM clients WHERE opted_out_at IS NOT NULL") == 1)
    }

    @Test("a paid mission gets one rating request; the client's button becomes the rating, the next text its comment")
    func ratings() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        let done = world.now.addingTimeInterval(3_600)
        _ = try world.database.writeBlocking(now: done) { tx in
            for kind in [MissionEventKind.arrived, .diagnosed, .repairing, .completed] {
                _ = try tx.appendMissionEvent(
                    requestId: request, kind: kind, actorRole: .provider, actorId: world.providerA, providerId: world.providerA)
            }
            let invoice = DjobeaID.v7(now: done)
            try tx.insert(
                .invoices,
                [
                    "id": .text(invoice), "request_id": .text(request), "provider_id": .text(world.providerA), "client_id": .text(world.client),
                    "number": "F-1", "total": 10_000, "issued_at": ColumnValue(done), "due_at": ColumnValue(done),
                ])
        }
        let now = done.addingTimeInterval(60)
        #expect(try write(world, at: now) { try GatewayReplies.queueRatingRequests(now: now, in: $0) } == 0, "not paid yet")
        _ = try world.database.writeBlocking(now: now) { tx in
            try tx.insert(
                .ledgerEntries,
                [
                    "id": .text(DjobeaID.v7(now: now)), "request_id": .text(request), "provider_id": .text(world.providerA), "kind": "payment",
                    "method": "cash", "amount": 10_000, "hlc": ColumnValue(tx.stamp()), "origin_node": .text(world.database.nodeId),
                    "recorded_at": ColumnValue(now), "recorded_by_role": "provider",
                ])
        }
        #expect(try write(world, at: now) { try GatewayReplies.queueRatingRequests(now: now, in: $0) } == 1)
        #expect(try write(world, at: now) { try GatewayReplies.queueRatingRequests(now: now, in: $0) } == 0, "once")
        let button = InboundClientMessage(
            externalId: "wamid.R1", from: "+237677000056", channel: "whatsapp", text: "★★★★", buttonPayload: "note_4")
        _ = try write(world, at: now) { try GatewayInbound.record(button, now: now, in: $0) }
        let comment = InboundClientMessage(externalId: "wamid.R2", from: "+237677000056", channel: "whatsapp", text: "Travail propre, merci")
        _ = try write(world, at: now) { try GatewayInbound.record(comment, now: now.addingTimeInterval(30), in: $0) }
        let rating = try #require(try world.read { try Row.fetchOne($0, sql: "SELECT id, stars, comment, provider_id FROM ratings") })
        #expect(rating["id"] as String == DjobeaID.derived(namespace: "rating", name: request), "one rating per mission on every node")
        #expect(rating["stars"] as Int == 4 && rating["comment"] as String? == "Travail propre, merci")
        #expect(rating["provider_id"] as String == world.providerA)
    }

    @Test("push subscriptions: one per device, an endpoint changes hands, pushes owed once")
    func pushes() async throws {
        let world = try RequestsWorld()
        let endpoint = "https://push.example/abc"
        let p256dh = String(repeating: "B", count: 87)
        let auth = String(repeating: "A", count: 22)
        _ = try world.database.writeBlocking(now: world.now) { tx in
            try PushStore.subscribe(
                providerId: world.providerA, deviceId: "device-aaaa", endpoint: endpoint, p256dh: p256dh, auth: auth, gatewayNode: nil, in: tx)
            try PushStore.subscribe(
                providerId: world.providerA, deviceId: "device-aaaa", endpoint: endpoint, p256dh: p256dh, auth: auth, gatewayNode: nil, in: tx)
        }
        #expect(try world.count("SELECT count(*) FROM push_subscriptions") == 1)
        let request = try world.request()
        let offer = try world.offer(request, to: world.providerA, ago: 30)
        let due = try world.read { try PushStore.due(node: "central-node", isDefault: true, now: world.now, in: SQLiteReplicaConnection(db: $0)) }
        #expect(due.map(\.key) == ["o:\(offer)"] && due.first?.kind == .urgentOffer && due.first?.targets.count == 1)
        #expect(due.first?.title == "Demande urgente : Fuite sous l'évier")
        try await world.database.writer.write { db in
            try PushStore.finish(key: "o:\(offer)", outcome: "sent", retryAt: nil, error: nil, now: world.now, in: SQLiteReplicaConnection(db: db))
        }
        #expect(
            try world.read { try PushStore.due(node: "central-node", isDefault: true, now: world.now, in: SQLiteReplicaConnection(db: $0)) }.isEmpty)
        // Payments: the one the provider typed is no news to them; one confirmed at central is.
        for (role, reference) in [("provider", "cash-1"), ("system", "MP2612061234")] {
            _ = try world.database.writeBlocking(now: world.now) { tx in
                try tx.insert(
                    .ledgerEntries,
                    [
                        "id": .text(DjobeaID.v7(now: tx.now)), "request_id": .text(request), "provider_id": .text(world.providerA), "kind": "payment",
                        "method": role == "provider" ? "cash" : "mtn_momo", "operator_ref": role == "provider" ? .null : .text(reference),
                        "amount": 5_000, "hlc": ColumnValue(tx.stamp()), "origin_node": .text(world.database.nodeId),
                        "recorded_at": ColumnValue(tx.now),
                        "recorded_by_role": .text(role),
                    ])
            }
        }
        let payments = try world.read {
            try PushStore.due(node: "central-node", isDefault: true, now: world.now, in: SQLiteReplicaConnection(db: $0))
        }
        #expect(payments.map(\.kind) == [.paymentReceived] && payments.first?.body.contains("5") == true)
        try await world.database.writer.write { db in
            for item in payments {
                try PushStore.finish(key: item.key, outcome: "sent", retryAt: nil, error: nil, now: world.now, in: SQLiteReplicaConnection(db: db))
            }
        }
        // Provider B logs in on the same phone: A's subscription goes.
        _ = try world.database.writeBlocking(now: world.now) { tx in
            try PushStore.subscribe(
                providerId: world.providerB, deviceId: "device-aaaa", endpoint: endpoint, p256dh: p256dh, auth: auth, gatewayNode: nil, in: tx)
        }
        #expect(try world.count("SELECT count(*) FROM push_subscriptions WHERE provider_id = ?", [world.providerA]) == 0)
        #expect(
            try world.read { try PushStore.due(node: "other-hub", isDefault: false, now: world.now, in: SQLiteReplicaConnection(db: $0)) }.isEmpty)
        // The browser rotates its subscription: a new row, so a late "gone" about the old endpoint cannot delete it.
        let before = try world.read {
            try String.fetchOne($0, sql: "SELECT id FROM push_subscriptions WHERE provider_id = ?", arguments: [world.providerB])
        }
        _ = try world.database.writeBlocking(now: world.now) { tx in
            try PushStore.subscribe(
                providerId: world.providerB, deviceId: "device-aaaa", endpoint: endpoint + "-rotated", p256dh: p256dh, auth: auth, gatewayNode: nil,
                in: tx)
        }
        let after = try world.read {
            try String.fetchOne($0, sql: "SELECT id FROM push_subscriptions WHERE provider_id = ?", arguments: [world.providerB])
        }
        #expect(before != nil && after != nil && before != after)
        #expect(try world.count("SELECT count(*) FROM push_subscriptions") == 1)
    }
}

@Suite("Gateway keys from hubs")
struct GatewayKeyPartitionTests {
    @Test("a hub may publish its own VAPID key row, never replace central's or another hub's")
    func ownKeyOnly() throws {
        let database = try NodeDatabase.inMemory(role: .central)
        let hub = DjobeaID.v7()
        try database.writeBlocking { tx in
            _ = try tx.insert(.hubs, ["id": .text(hub), "name": "Hub A", "created_at": ColumnValue(tx.now)])
        }
        func change(origin: String, key: String) -> RowChange {
            RowChange(
                originNode: origin, originSeq: 1, hlc: HLC(packed: 1), table: "gateway_keys", key: key, operation: .insert,
                columns: ["id": .text(key), "node_id": .text(key), "vapid_public_key": .text(String(repeating: "B", count: 87))])
        }
        try database.readBlocking { db in
            let partition = try HubPartition(hubId: hub, connection: SQLiteReplicaConnection(db: db))
            let hubNode = DjobeaID.v7()
            #expect(try partition.admitsFromHub(change(origin: hubNode, key: hubNode)))
            #expect(try !partition.admitsFromHub(change(origin: hubNode, key: database.nodeId)), "central's key is central's")
            #expect(try !partition.admitsFromHub(change(origin: hubNode, key: DjobeaID.v7())), "another hub's key is theirs")
        }
    }
}
