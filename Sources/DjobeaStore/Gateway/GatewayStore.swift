import DjobeaDomain
import DjobeaReplication
import Foundation

/// This node's gateway role (who sends the deployment's client messages and pushes).
public struct GatewayStore: Sendable {
    public let storage: any ReplicaStorage

    public init(_ storage: any ReplicaStorage) {
        self.storage = storage
    }

    /// Records whether this node is its deployment's gateway (read by the writes that queue client messages).
    ///
    /// A hub that stops being its own gateway hands its queued messages to central (`gateway_node` back to NULL) and
    /// drops the push subscriptions made with its key (central cannot push with a key it does not hold; the phones
    /// subscribe again from Profil).
    public func setGateway(_ isGateway: Bool, now: Date = Date()) async throws {
        _ = try await storage.bookkeepingWrite { db in
            try db.execute("UPDATE node_identity SET is_gateway = ?", [ColumnValue(isGateway)])
        }
        guard !isGateway, storage.role == .hub else { return }
        let node = storage.nodeId
        try await storage.localWrite(critical: false, now: now) { tx in
            for var message in try tx.connection.records(
                MessageRecord.self, "SELECT * FROM messages WHERE gateway_node = ? AND delivery_status = \(DeliveryStatus.queued.sqlLiteral)",
                [.text(node)])
            {
                message.gatewayNode = nil
                try tx.update(message, columns: [.gatewayNode])
            }
            for subscription in try tx.connection.records(
                PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE gateway_node = ?", [.text(node)])
            {
                try tx.delete(subscription)
            }
        }
    }
}
