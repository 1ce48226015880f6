import DjobeaDomain
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `GET /provider/notifications/stream`: the provider's notifications and new offers as Server-Sent Events.
///
/// Each event is `id:` (the row's UUIDv7, so ids sort by time), `event:` (the kind) and `data:` (one JSON line).
/// The stream polls the database rather than listening to an in-memory bus: rows that arrive by sync or from
/// another process show up too, and nothing is lost between two connections. A reconnecting client sends
/// `Last-Event-ID` and gets what came after it. The polling endpoint `/provider/dashboard/notifications` stays
/// as the fallback.
struct NotificationStreamController: Sendable {
    /// How often the stream reads the database, pings, and how long one connection lives.
    struct Timing: Sendable {
        /// A `: ping` comment after this much silence, so proxies and 3G carriers keep the connection open.
        var heartbeat: Duration = .seconds(15)
        var poll: Duration = .seconds(2)
        /// The stream ends cleanly after this; `EventSource` reconnects with `Last-Event-ID`, and the token is checked anew.
        var lifetime: Duration = .seconds(30 * 60)
    }

    static let path = "/provider/notifications/stream"
    /// Sent first: `EventSource` waits this many milliseconds before reconnecting.
    static let retryMilliseconds = 3000

    let database: NodeDatabase
    let services: ProviderAPIServices
    var timing = Timing()

    /// Registers the route in its own group, whose middleware also accepts `?access_token=`.
    func register(on router: Router<NodeRequestContext>, docs: APIDocumentation, limit: RateLimitMiddleware) {
        let group = router.group().add(middleware: EventStreamAuthMiddleware(authenticate: services.authenticateRequest)).add(middleware: limit)
        let routes = DocumentedRoutes(group: group, docs: docs, tag: "Prestataire", authenticated: true)
        routes.add(
            .get, Self.path,
            "Flux temps réel (text/event-stream) des notifications et nouvelles offres ; reprise avec Last-Event-ID",
            parameters: [
                .init("access_token", "Jeton d'accès, pour EventSource qui ne peut pas envoyer d'en-tête Authorization"),
                .init("Last-Event-ID", in: "header", "Reprendre après cet identifiant d'événement"),
                .init("last_event_id", "Comme l'en-tête Last-Event-ID"),
            ], errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let lastEventId = try Self.lastEventId(of: request)
            guard let token = EventStreamAuthMiddleware.token(of: request) else { throw APIError.unauthenticated() }
            let stream = EventStream(
                database: database, authenticate: services.authenticate, timing: timing, providerId: identity.providerId, token: token)
            return Response(
                status: .ok, headers: Self.headers,
                body: ResponseBody { writer in
                    do {
                        try await request.body.consumeWithCancellationOnInboundClose { _ in
                            try await stream.run(after: lastEventId, into: &writer)
                        }
                    } catch is CancellationError {
                        return  // the client went away
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// Never gzip (each event must leave at once), never cached, and no buffering in nginx.
    static let headers: HTTPFields = {
        var fields: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
        if let accel = HTTPField.Name("X-Accel-Buffering") { fields[accel] = "no" }
        return fields
    }()

    /// `Last-Event-ID`, else `?last_event_id=`; a value that is not one of our ids is refused.
    static func lastEventId(of request: Request) throws -> String? {
        let header = request.headers.first { $0.name.canonicalName == "last-event-id" }?.value
        guard let value = header ?? request.uri.queryParameters.get("last_event_id").map({ String($0) }), !value.isEmpty else { return nil }
        guard DjobeaID.isValid(value) else { throw APIError.invalidParameter("last_event_id", "un identifiant d'événement reçu du flux") }
        return value
    }
}

/// One connection's loop: backlog or resume, then poll, ping, and stop at the end of its lifetime or of its session.
struct EventStream: Sendable {
    let database: NodeDatabase
    let authenticate: @Sendable (String) async throws -> ProviderIdentity
    let timing: NotificationStreamController.Timing
    let providerId: String
    let token: String

    func run(after lastEventId: String?, into writer: inout any ResponseBodyWriter) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timing.lifetime
        var text = "retry: \(NotificationStreamController.retryMilliseconds)\n\n"
        var cursor: String
        if let lastEventId {
            cursor = lastEventId
        } else {
            let backlog = try await FeedStore(database).backlog(providerId: providerId)
            text += try backlog.events.map { try Self.format($0) }.joined()
            cursor = backlog.cursor
        }
        try await writer.write(ByteBuffer(string: text))
        var lastWrite = clock.now
        // Clients' messages are also read in the order they reached this node: one written at central may arrive with an
        // id older than the cursor. Each is sent once per connection.
        var arrivedSeq = try await database.changeLogHead()
        var sentMessages = Set<String>()
        while clock.now < end {
            let events = try await FeedStore(database).events(providerId: providerId, after: cursor)
            for event in events where event.kind == "client_message" { sentMessages.insert(event.id) }
            if let last = events.last {
                try await writer.write(ByteBuffer(string: try events.map { try Self.format($0) }.joined()))
                cursor = last.id
                lastWrite = clock.now
                if events.count == ProviderNotificationFeed.batchSize { continue }
            }
            let arrived = try await FeedStore(database).arrivedMessages(providerId: providerId, afterLocalSeq: arrivedSeq)
            arrivedSeq = arrived.seq
            let late = arrived.events.filter { !sentMessages.contains($0.id) && $0.id <= cursor }
            if !late.isEmpty {
                // Their `id:` line keeps the cursor: a reconnection resumes where the stream is, not before.
                try await writer.write(ByteBuffer(string: try late.map { try Self.format($0, eventId: cursor) }.joined()))
                for event in late { sentMessages.insert(event.id) }
                lastWrite = clock.now
            }
            if sentMessages.count > 10_000 { sentMessages.removeAll() }
            if clock.now - lastWrite >= timing.heartbeat {
                // A logged-out or suspended provider stops receiving within one heartbeat.
                guard (try? await authenticate(token)) != nil else { return }
                try await writer.write(ByteBuffer(string: ": ping\n\n"))
                lastWrite = clock.now
            }
            try await Task.sleep(for: min(timing.poll, max(end - clock.now, .zero)))
        }
    }

    /// One SSE event; JSON never holds a raw newline, so `data:` is one line.
    static func format(_ event: ProviderFeedEvent, eventId: String? = nil) throws -> String {
        let json = String(decoding: try JSONResponse.encoder.encode(event), as: UTF8.self)
        return "id: \(eventId ?? event.id)\nevent: \(event.kind)\ndata: \(json)\n\n"
    }
}
