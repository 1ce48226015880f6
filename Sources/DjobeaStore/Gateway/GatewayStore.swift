import DjobeaDomain
import Foundation
import GRDB

/// This node's gateway role (who sends the deployment's client messages and pushes).
public struct GatewayStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// Records whether this node is its deployment's gateway (read by the writes that queue client messages).
    ///
    /// A hub that stops being its own gateway hands its queued messages to central (`gateway_node` back to NULL) and
    /// drops the push subscriptions made with its key (central cannot push with a key it does not hold; the phones
    /// subscribe again from Profil).
    public func setGateway(_ isGateway: Bool) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "UPDATE node_identity SET is_gateway = ?", arguments: [isGateway])
        }
        guard !isGateway, database.role == .hub else { return }
        let node = database.nodeId
        try await database.write { tx in
            for var message in try MessageRecord.fetchAll(
                tx.db, sql: "SELECT * FROM messages WHERE gateway_node = ? AND delivery_status = \(DeliveryStatus.queued.sqlLiteral)",
                arguments: [node])
            {
                message.gatewayNode = nil
                try tx.update(message, columns: [.gatewayNode])
            }
            for subscription in try PushSubscriptionRecord.fetchAll(
                tx.db, sql: "SELECT * FROM push_subscriptions WHERE gateway_node = ?", arguments: [node])
            {
                try tx.delete(subscription)
            }
        }
    }
}
