import DjobeaDomain
import DjobeaPostgres
import DjobeaReplication
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

/// The gateway's stores on central's PostgreSQL, through the storage seam: the outbox and its leases, status webhooks,
/// inbound webhooks, push subscriptions and the pushes owed, activity summaries, the gateway flag. Real PostgreSQL
/// (`scripts/with-postgres.sh`), one throwaway database per test.
@Suite("The gateway on PostgreSQL", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct GatewayOnPostgresTests {
    /// Monday 7 December 2026, 08:05 in Douala: last week's summaries are due.
    static let now = UTCTimestamp.parse("2026-12-07T07:05:00.000Z") ?? Date()
    static let providerPhone = "+237695000001"
    static let clientPhone = "+237677000001"

    /// Central on a fresh database: reference data, a hub's zone, a provider, a client's request (an hour ago) and a
    /// message to that client queued five minutes ago, for the default gateway.
    struct World {
        let storage: PostgresReplicaStorage
        let providerId: String
        let clientId: String
        let requestId: String
        let messageId: String
    }

    static func world(_ test: PostgresTestDatabase) async throws -> World {
        let storage = try await PostgresReplicaStorage.open(database: test.database, role: .central)
        let intake = IntakeStore(storage)
        let earlier = now.addingTimeInterval(-3_600)
        try await intake.seedReferenceData(now: earlier)
        _ = try await storage.enrolHub(name: "Hub Akwa", zoneCodes: ["zone-pg"], now: earlier)
        let service = try #require(ServiceCatalogue.builtIn.first).code.rawValue
        let providerId = try await intake.registerProvider(
            ProviderRegistration(name: "Jean Kouam", phone: providerPhone, services: [service], zones: ["zone-pg"]), now: earlier)
        let requestId = try await intake.intakeRequest(
            RequestIntake(
                zone: "zone-pg", service: service, urgency: "urgent", title: "Fuite sous l'évier", description: "Fuite", address: "Rue 1",
                clientName: "Awa Ngono", clientPhone: clientPhone), now: earlier)
        let clientId = try #require(
            try await storage.replicaRead { db in
                try db.query("SELECT client_id FROM service_requests WHERE id = ?", [.text(requestId)]).first?["client_id"].textValue
            })
        let queuedAt = now.addingTimeInterval(-300)
        let messageId = try await storage.localWrite(critical: false, now: queuedAt) { tx in
            try tx.insert(
                MessageRecord(
                    id: DjobeaID.v7(now: queuedAt), requestId: requestId, providerId: providerId, clientId: clientId, direction: .outgoing,
                    channel: .whatsapp, templateCode: "test", body: "Je passe demain à 9 h.", sentAt: UTCTimestamp.format(queuedAt),
                    deliveryStatus: .queued, essential: true))
        }
        return World(storage: storage, providerId: providerId, clientId: clientId, requestId: requestId, messageId: messageId)
    }

    static func due(_ world: World, at time: Date) async throws -> [GatewayOutboundRow] {
        let node = world.storage.nodeId
        return try await world.storage.replicaRead { db in try GatewayOutbox.due(node: node, isDefault: true, now: time, limit: 10, in: db) }
    }

    static func claim(_ world: World, at time: Date) async throws -> Bool {
        let id = world.messageId
        return try await world.storage.localWrite(critical: false, now: time) { tx in
            try GatewayOutbox.claim(id: id, now: time, lease: 120, in: tx.connection)
        }
    }

    static func message(_ world: World) async throws -> MessageRecord? {
        let id = world.messageId
        return try await world.storage.replicaRead { db in try db.record(MessageRecord.self, "SELECT * FROM messages WHERE id = ?", [.text(id)]) }
    }

    static func report(_ world: World, _ state: DeliveryStatus, external: String = "wamid.PG1", at time: Date) async throws
        -> GatewayOutbox.StatusOutcome
    {
        try await world.storage.localWrite(critical: true, now: time) { tx in
            try GatewayOutbox.applyStatus(
                externalId: external, messageId: nil, reported: state, reason: nil, notOnWhatsApp: false, owner: (tx.origin, true), in: tx)
        }
    }

    @Test("a queued message is due, claimed once per lease, marked sent; status webhooks move it forward only")
    func outboxAndStatuses() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let first = try #require(try await Self.due(world, at: Self.now).first)
            #expect(first.id == world.messageId && first.clientPhone == Self.clientPhone && first.providerName == "Jean Kouam")
            #expect(first.essential && !first.windowOpen && first.attempts == 0 && first.requestTitle == "Fuite sous l'évier")
            #expect(first.queuedAt == Self.now.addingTimeInterval(-300))

            #expect(try await Self.claim(world, at: Self.now))
            #expect(try await !Self.claim(world, at: Self.now.addingTimeInterval(1)), "leased: a second claim fails")
            #expect(try await Self.due(world, at: Self.now.addingTimeInterval(60)).isEmpty, "leased: not due")
            // The sender died: after the lease it is due again, as a second attempt, and claimed again.
            let later = Self.now.addingTimeInterval(121)
            #expect(try await Self.due(world, at: later).first?.attempts == 1)
            #expect(try await Self.claim(world, at: later))
            let id = world.messageId
            try await world.storage.localWrite(critical: true, now: later) { tx in
                try GatewayOutbox.markSent(id: id, externalId: "wamid.PG1", channel: "whatsapp", in: tx)
            }
            let sent = try #require(try await Self.message(world))
            #expect(sent.deliveryStatus == .sent && sent.externalId == "wamid.PG1")
            #expect(try await Self.due(world, at: later.addingTimeInterval(3_600)).isEmpty, "done")
            #expect(try await !Self.claim(world, at: later.addingTimeInterval(3_600)), "done: never claimed again")

            // Webhooks in any order: forward only.
            let hook = later.addingTimeInterval(5)
            #expect(try await Self.report(world, .read, at: hook) == .advanced(.read))
            #expect(try await Self.report(world, .delivered, at: hook) == .unchanged)
            #expect(try await Self.report(world, .sent, at: hook) == .unchanged)
            #expect(try await Self.report(world, .read, external: "wamid.INCONNU", at: hook) == .unknown, "no message of ours")
            let read = try #require(try await Self.message(world))
            #expect(read.deliveryStatus == .read && read.statusAt == UTCTimestamp.format(hook))
            let (logged, work) = try await world.storage.replicaRead { db in
                (
                    try db.query("SELECT count(*) FROM change_log WHERE table_name = 'messages' AND row_key = ? AND op = 'update'", [.text(id)])
                        .first?[0].integerValue,
                    try db.query(
                        "SELECT attempts, outcome, done_at, lease_until FROM gateway_work WHERE kind = 'message' AND work_key = ?", [.text(id)]
                    )
                    .first
                )
            }
            #expect(logged == 2, "sent, then read: each change logged for the hubs")
            #expect(work?["attempts"] == .integer(2) && work?["outcome"] == .text("sent") && work?["lease_until"] == .null)
        }
    }

    @Test("a status report reconciles a send whose answer was lost; a retry waits for its time")
    func reconcileAndRetry() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let id = world.messageId
            #expect(try await Self.claim(world, at: Self.now))
            try await world.storage.localWrite(critical: false, now: Self.now) { tx in
                try GatewayOutbox.retryLater(id: id, at: Self.now.addingTimeInterval(600), error: "HTTP 503", in: tx.connection)
            }
            #expect(try await Self.due(world, at: Self.now.addingTimeInterval(599)).isEmpty)
            #expect(try await Self.due(world, at: Self.now.addingTimeInterval(600)).map(\.id) == [id])
            // The service had it after all: its webhook, carrying our id, marks it and closes the work.
            let outcome = try await world.storage.localWrite(critical: true, now: Self.now.addingTimeInterval(30)) { tx in
                try GatewayOutbox.applyStatus(
                    externalId: "wamid.PG2", messageId: id, reported: .delivered, reason: nil, notOnWhatsApp: false, in: tx)
            }
            #expect(outcome == .advanced(.delivered))
            #expect(try await Self.message(world)?.externalId == "wamid.PG2")
            #expect(try await Self.due(world, at: Self.now.addingTimeInterval(600)).isEmpty)
        }
    }

    @Test("an inbound webhook is recorded once, on the request it answers; a replay writes nothing; STOP opts the client out")
    func inboundOnce() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let storage = world.storage
            let inbound = InboundClientMessage(
                externalId: "wamid.IN1", from: Self.clientPhone, channel: "whatsapp", text: "Merci, à demain", at: Self.now.addingTimeInterval(-10))
            func record(_ message: InboundClientMessage) async throws -> InboundOutcome {
                try await storage.localWrite(critical: true, now: Self.now) { tx in try GatewayInbound.record(message, now: Self.now, in: tx) }
            }
            guard case .recorded(let messageId, let requestId, let providerId, let intent) = try await record(inbound) else {
                Issue.record("not recorded")
                return
            }
            #expect(requestId == world.requestId && providerId == world.providerId && intent == "text")
            #expect(try await record(inbound) == .duplicate, "a replayed webhook")
            let stranger = InboundClientMessage(externalId: "wamid.IN2", from: "+237699999999", channel: "sms", text: "Bonjour")
            #expect(try await record(stranger) == .unmatched(reason: "unknown_client"))
            #expect(try await record(stranger) == .duplicate)
            let (stored, inboundRows, windowOpen) = try await storage.replicaRead { db in
                (
                    try db.record(MessageRecord.self, "SELECT * FROM messages WHERE id = ?", [.text(messageId)]),
                    try db.query("SELECT external_id, outcome, message_id FROM gateway_inbound ORDER BY external_id", []),
                    try GatewayOutbox.due(node: storage.nodeId, isDefault: true, now: Self.now, limit: 10, in: db).first?.windowOpen
                )
            }
            #expect(stored?.direction == .incoming && stored?.body == "Merci, à demain" && stored?.externalId == "wamid.IN1")
            #expect(stored?.sentAt == UTCTimestamp.format(Self.now.addingTimeInterval(-10)))
            #expect(inboundRows.map { $0["outcome"] } == [.text("recorded"), .text("unknown_client")])
            #expect(inboundRows.first?["message_id"] == .text(messageId))
            #expect(windowOpen == true, "the client wrote on WhatsApp: free text may go")

            let stop = InboundClientMessage(externalId: "wamid.IN3", from: Self.clientPhone, channel: "whatsapp", text: "STOP")
            guard case .recorded(_, _, _, let stopIntent) = try await record(stop) else {
                Issue.record("STOP not recorded")
                return
            }
            #expect(stopIntent == "stop")
            let client = try await storage.replicaRead { db in
                try db.record(ClientRecord.self, "SELECT * FROM clients WHERE id = ?", [.text(world.clientId)])
            }
            #expect(client?.optedOutAt == UTCTimestamp.format(Self.now))
            // The portable SQL of the other writes runs on PostgreSQL too: nothing to do here.
            let (ratings, answers) = try await storage.localWrite(critical: false, now: Self.now) { tx in
                (try GatewayReplies.queueRatingRequests(now: Self.now, in: tx), try GatewayInbound.applySlotAnswers(in: tx.connection))
            }
            #expect(ratings == 0 && answers == 0)
        }
    }

    @Test("a push subscription is stored and read back; the pushes owed for its offers; the gateway's key")
    func pushes() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let storage = world.storage
            let providerId = world.providerId
            let p256dh = "B" + String(repeating: "x", count: 86)
            let auth = String(repeating: "a", count: 22)
            let subscriptionId = try await storage.localWrite(critical: false, now: Self.now) { tx in
                try PushStore.subscribe(
                    providerId: providerId, deviceId: "device-pg-01", endpoint: "https://push.example.com/send/abc", p256dh: p256dh, auth: auth,
                    gatewayNode: nil, in: tx)
            }
            let (subscribed, stored) = try await storage.replicaRead { db in
                (
                    try PushStore.isSubscribed(providerId: providerId, deviceId: "device-pg-01", in: db),
                    try db.record(PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE id = ?", [.text(subscriptionId)])
                )
            }
            #expect(subscribed)
            #expect(stored?.endpoint == "https://push.example.com/send/abc" && stored?.p256dh == p256dh && stored?.auth == auth)
            #expect(stored?.providerId == providerId && stored?.deviceId == "device-pg-01" && stored?.gatewayNode == nil)
            // The same device again: updated in place.
            let again = try await storage.localWrite(critical: false, now: Self.now) { tx in
                try PushStore.subscribe(
                    providerId: providerId, deviceId: "device-pg-01", endpoint: "https://push.example.com/send/abc", p256dh: p256dh, auth: auth,
                    gatewayNode: nil, in: tx)
            }
            #expect(again == subscriptionId)

            // An offer made 30 s ago, and one made 20 minutes ago that expires in 3 minutes (about to expire).
            let second = try await IntakeStore(storage).intakeRequest(
                RequestIntake(
                    zone: "zone-pg", service: try #require(ServiceCatalogue.builtIn.first).code.rawValue, urgency: "planifie", title: "Prise",
                    description: "Prise qui grésille", address: "Rue 2", clientName: "Awa Ngono", clientPhone: Self.clientPhone),
                now: Self.now.addingTimeInterval(-3_600))
            let fresh = DjobeaID.v7(now: Self.now)
            let expiring = DjobeaID.v7(now: Self.now)
            try await storage.localWrite(critical: false, now: Self.now) { tx in
                for (id, request, offered, expires) in [
                    (fresh, world.requestId, Self.now.addingTimeInterval(-30), Self.now.addingTimeInterval(240)),
                    (expiring, second, Self.now.addingTimeInterval(-1_200), Self.now.addingTimeInterval(180)),
                ] {
                    try tx.insert(
                        .requestOffers,
                        [
                            "id": .text(id), "request_id": .text(request), "provider_id": .text(providerId), "rank": 1,
                            "offered_at": ColumnValue(offered), "expires_at": ColumnValue(expires), "state": "pending",
                        ])
                }
            }
            let node = storage.nodeId
            let due = try await storage.replicaRead { db in try PushStore.due(node: node, isDefault: true, now: Self.now, in: db) }
            let mine = due.filter { ["o:\(fresh)", "x:\(expiring)"].contains($0.key) }
            #expect(mine.map(\.key) == ["o:\(fresh)", "x:\(expiring)"])
            #expect(mine.first?.kind == .urgentOffer && mine.first?.targets.map(\.subscriptionId) == [subscriptionId])
            #expect(mine.last?.kind == .offerExpiring)
            #expect(
                try await storage.replicaRead { db in try PushStore.due(node: "un-autre-noeud", isDefault: false, now: Self.now, in: db) }.isEmpty)
            try await storage.localWrite(critical: false, now: Self.now) { tx in
                try PushStore.finish(key: "o:\(fresh)", outcome: "sent", retryAt: nil, error: nil, now: Self.now, in: tx.connection)
                try PushStore.finish(
                    key: "x:\(expiring)", outcome: "retry", retryAt: Self.now.addingTimeInterval(30), error: "HTTP 503", now: Self.now,
                    in: tx.connection)
            }
            let after = try await storage.replicaRead { db in try PushStore.due(node: node, isDefault: true, now: Self.now, in: db) }
            #expect(!after.contains { $0.key == "o:\(fresh)" || $0.key == "x:\(expiring)" }, "sent, and waiting for its retry")

            // The gateway's VAPID key, published as a synced row and handed to browsers.
            let key = "B" + String(repeating: "k", count: 86)
            try await storage.localWrite(critical: false, now: Self.now) { tx in try PushStore.publishKey(key, node: node, in: tx) }
            let handed = try await storage.replicaRead { db in try PushStore.gatewayKey(node: node, role: .central, in: db) }
            #expect(handed?.key == key && handed?.gatewayNode == nil)

            let removed = try await storage.localWrite(critical: false, now: Self.now) { tx in
                try PushStore.unsubscribe(providerId: providerId, deviceId: "device-pg-01", in: tx)
            }
            #expect(removed)
            #expect(try await !storage.replicaRead { db in try PushStore.isSubscribed(providerId: providerId, deviceId: "device-pg-01", in: db) })
        }
    }

    @Test("activity summaries: due once per period, claimed once per lease, done for good")
    func summaries() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let storage = world.storage
            // A rating given during the week: its average is in the summary.
            _ = try await storage.localWrite(critical: false, now: Self.now) { tx in
                try tx.insert(
                    RatingRecord(
                        id: DjobeaID.derived(namespace: "rating", name: world.requestId), requestId: world.requestId, clientId: world.clientId,
                        providerId: world.providerId, stars: 4, createdAt: "2026-12-03T12:00:00.000Z"))
            }
            let due = try await storage.replicaRead { db in try ActivitySummaries.due(now: Self.now, limit: 10, in: db) }
            let summary = try #require(due.first)
            #expect(summary.averageRating == 4 && summary.ratingLabel == "4,0/5" && summary.completedMissions == 0)
            #expect(
                due.count == 1 && summary.providerId == world.providerId && summary.periodKey == "2026-W49" && summary.phone == Self.providerPhone)
            #expect(summary.isEmpty && summary.attempts == 0)
            let key = summary.workKey
            func write<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
                try await storage.localWrite(critical: false, now: Self.now) { tx in try body(tx.connection) }
            }
            #expect(try await write { try ActivitySummaries.claim(key: key, now: Self.now, lease: 120, in: $0) })
            #expect(try await !write { try ActivitySummaries.claim(key: key, now: Self.now.addingTimeInterval(60), lease: 120, in: $0) })
            try await write { try ActivitySummaries.retryLater(key: key, at: Self.now.addingTimeInterval(600), error: "HTTP 503", in: $0) }
            #expect(
                try await storage.replicaRead { db in try ActivitySummaries.due(now: Self.now.addingTimeInterval(599), limit: 10, in: db) }.isEmpty)
            let retried = try await storage.replicaRead { db in try ActivitySummaries.due(now: Self.now.addingTimeInterval(600), limit: 10, in: db) }
            #expect(retried.first?.attempts == 1)
            #expect(try await write { try ActivitySummaries.claim(key: key, now: Self.now.addingTimeInterval(600), lease: 120, in: $0) })
            try await write { try ActivitySummaries.finish(key: key, outcome: .sent, now: Self.now.addingTimeInterval(601), in: $0) }
            #expect(
                try await storage.replicaRead { db in try ActivitySummaries.due(now: Self.now.addingTimeInterval(3_600), limit: 10, in: db) }.isEmpty)
            #expect(try await !write { try ActivitySummaries.claim(key: key, now: Self.now.addingTimeInterval(3_600), lease: 120, in: $0) }, "done")
            let row = try await storage.replicaRead { db in
                try db.query("SELECT outcome, last_error, attempts FROM gateway_work WHERE kind = 'summary' AND work_key = ?", [.text(key)]).first
            }
            #expect(row?["outcome"] == .text("sent") && row?["last_error"] == .text("HTTP 503") && row?["attempts"] == .integer(2))
        }
    }

    @Test("WhatsApp says the client has no account: the message goes again by SMS, the client is remembered")
    func fallBackToSMS() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let id = world.messageId
            #expect(try await Self.claim(world, at: Self.now))
            try await world.storage.localWrite(critical: true, now: Self.now) { tx in
                try GatewayOutbox.markSent(id: id, externalId: "wamid.PG3", channel: "whatsapp", in: tx)
            }
            let outcome = try await world.storage.localWrite(critical: true, now: Self.now.addingTimeInterval(5)) { tx in
                try GatewayOutbox.applyStatus(
                    externalId: "wamid.PG3", messageId: id, reported: .failed, reason: "131026", notOnWhatsApp: true, in: tx)
            }
            #expect(outcome == .fellBackToSMS)
            let message = try #require(try await Self.message(world))
            #expect(message.channel == .sms && message.deliveryStatus == .queued && message.statusReason == "Pas de WhatsApp : envoi par SMS")
            let again = try #require(try await Self.due(world, at: Self.now.addingTimeInterval(10)).first)
            #expect(again.id == id && again.channel == "sms" && again.noWhatsApp)
            // A late report about the WhatsApp attempt does not speak for the SMS.
            #expect(try await Self.report(world, .delivered, external: "wamid.PG3", at: Self.now.addingTimeInterval(20)) == .unchanged)
            try await world.storage.localWrite(critical: true, now: Self.now.addingTimeInterval(30)) { tx in
                try GatewayOutbox.markFailed(id: id, reason: "Numéro invalide", in: tx)
            }
            #expect(try await Self.message(world)?.deliveryStatus == .failed)
            #expect(try await Self.due(world, at: Self.now.addingTimeInterval(40)).isEmpty)
        }
    }

    @Test("a rating by reply: the digit after a rating request, then a comment; an away provider's reply, once a day")
    func ratingAndAwayReply() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await Self.world(test)
            let storage = world.storage
            func record(_ externalId: String, _ text: String, at time: Date) async throws -> InboundOutcome {
                let message = InboundClientMessage(externalId: externalId, from: Self.clientPhone, channel: "whatsapp", text: text)
                return try await storage.localWrite(critical: true, now: time) { tx in try GatewayInbound.record(message, now: time, in: tx) }
            }
            let asked = Self.now.addingTimeInterval(-60)
            _ = try await storage.localWrite(critical: false, now: asked) { tx in
                try tx.insert(
                    MessageRecord(
                        id: DjobeaID.v7(now: asked), requestId: world.requestId, providerId: world.providerId, clientId: world.clientId,
                        direction: .outgoing, channel: .whatsapp, templateCode: "demande_avis", body: "Notez Jean de 1 à 5",
                        sentAt: UTCTimestamp.format(asked), deliveryStatus: .sent, templateName: WhatsAppTemplates.ratingRequest.name,
                        essential: false))
            }
            guard case .recorded(_, _, _, let intent) = try await record("wamid.R1", "5", at: Self.now) else {
                Issue.record("the rating was not recorded")
                return
            }
            #expect(intent == "rating")
            _ = try await record("wamid.R2", "Très bon travail", at: Self.now.addingTimeInterval(30))
            let rating = try await storage.replicaRead { db in
                try db.record(RatingRecord.self, "SELECT * FROM ratings WHERE request_id = ?", [.text(world.requestId)])
            }
            #expect(rating?.stars == 5 && rating?.comment == "Très bon travail" && rating?.providerId == world.providerId)

            // Jean is away: the client's next messages get his away reply, once a day.
            let providerId = world.providerId
            _ = try await storage.localWrite(critical: false, now: Self.now) { tx in
                try tx.update(.providers, key: providerId, ["away_mode": 1, "updated_at": ColumnValue(Self.now)])
            }
            _ = try await record("wamid.R3", "Vous êtes là ?", at: Self.now.addingTimeInterval(60))
            _ = try await record("wamid.R4", "Allô ?", at: Self.now.addingTimeInterval(120))
            let replies = try await storage.replicaRead { db in
                try db.records(
                    MessageRecord.self, "SELECT * FROM messages WHERE template_code = 'message_absence' AND client_id = ?", [.text(world.clientId)])
            }
            #expect(replies.count == 1)
            #expect(replies.first?.deliveryStatus == .queued && replies.first?.gatewayNode == nil && replies.first?.essential == false)
        }
    }

    @Test("setGateway records the flag on PostgreSQL")
    func gatewayFlag() async throws {
        try await PostgresTestDatabase.with { test in
            let storage = try await PostgresReplicaStorage.open(database: test.database, role: .central)
            func flag() async throws -> ColumnValue? {
                try await storage.replicaRead { db in try db.query("SELECT is_gateway FROM node_identity", []).first?[0] }
            }
            #expect(try await flag() == .integer(0))
            try await GatewayStore(storage).setGateway(true)
            #expect(try await flag() == .integer(1))
            try await GatewayStore(storage).setGateway(false)
            #expect(try await flag() == .integer(0))
        }
    }
}
