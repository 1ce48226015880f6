import DjobeaDomain
import Foundation
import GRDB

/// A provider's live feed (server-sent events): the backlog of a fresh connection, events after a cursor, clients' messages as they arrive.
public struct FeedStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// The live feed of `providerId` after `cursor` (see `ProviderNotificationFeed.events`).
    public func events(providerId: String, after cursor: String, now: Date = Date()) async throws -> [ProviderFeedEvent] {
        try await database.read { db in try ProviderNotificationFeed.events(providerId: providerId, after: cursor, now: now, in: db) }
    }

    /// Clients' messages that arrived after change-log position `seq` (see `ProviderNotificationFeed.arrivedMessages`).
    public func arrivedMessages(providerId: String, afterLocalSeq seq: Int64) async throws -> (events: [ProviderFeedEvent], seq: Int64) {
        try await database.read { db in try ProviderNotificationFeed.arrivedMessages(providerId: providerId, afterLocalSeq: seq, in: db) }
    }

    /// The backlog of a fresh connection and the cursor to poll from (see `ProviderNotificationFeed.backlog`).
    public func backlog(providerId: String, now: Date = Date()) async throws -> (events: [ProviderFeedEvent], cursor: String) {
        try await database.read { db in try ProviderNotificationFeed.backlog(providerId: providerId, now: now, in: db) }
    }
}
