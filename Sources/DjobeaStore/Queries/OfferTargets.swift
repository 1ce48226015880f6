import DjobeaDomain
import Foundation
import GRDB

/// Offers to hang synthetic work on: what load generators (`djobea-bench bench-writes`) write messages, accepts and
/// photos against, read here so that no SQL lives outside the Store.
public struct OfferTarget: Sendable, Hashable {
    public var requestId: String
    public var providerId: String
    public var clientId: String
}

extension OfferTarget {
    /// The first `limit` offers in id order, whatever their state.
    public static func any(limit: Int, in database: NodeDatabase) async throws -> [OfferTarget] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.request_id, o.provider_id, r.client_id FROM request_offers o JOIN service_requests r ON r.id = o.request_id
                    ORDER BY o.id LIMIT ?
                    """, arguments: [limit]
            ).map { OfferTarget(requestId: $0["request_id"], providerId: $0["provider_id"], clientId: $0["client_id"]) }
        }
    }

    /// The first `limit` offers still open on a new request (pending, mission `nouvelle`), in id order.
    public static func open(limit: Int, in database: NodeDatabase) async throws -> [OfferTarget] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.request_id, o.provider_id, r.client_id FROM request_offers o
                    JOIN missions m ON m.request_id = o.request_id JOIN service_requests r ON r.id = o.request_id
                    WHERE m.status = \(RequestStatus.nouvelle.sqlLiteral) AND o.state = \(OfferState.pending.sqlLiteral) ORDER BY o.id LIMIT ?
                    """, arguments: [limit]
            ).map { OfferTarget(requestId: $0["request_id"], providerId: $0["provider_id"], clientId: $0["client_id"]) }
        }
    }
}
