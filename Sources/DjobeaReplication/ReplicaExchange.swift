import DjobeaDomain
import Foundation

/// The two sides of an exchange, each one transaction: the batch, the cursor and the link state commit together.
extension ReplicaStorage {
    /// Applies `changes` in one transaction, then runs `alsoInTransaction` (the caller's bookkeeping), so a batch and its
    /// acknowledgement are durable together or not at all.
    public func applyRemote(
        _ changes: [RowChange], centralNodeId: String, now: Date = Date(),
        alsoInTransaction: @escaping @Sendable (any ReplicaConnection) throws -> Void = { _ in }
    ) async throws -> ApplySummary {
        try await replicaWrite { connection in
            let summary = try ReplicaApplier(storage: self, connection: connection, centralNodeId: centralNodeId, now: now).apply(changes)
            try alsoInTransaction(connection)
            return summary
        }
    }

    /// Releases the held changes now within the bound of this node's clock and merges them (SPEC.md §2.2). Sync calls
    /// it every round, so held changes take effect even when nothing new arrives.
    @discardableResult
    public func releaseHeldChanges(centralNodeId: String, now: Date = Date()) async throws -> ApplySummary {
        guard try await replicaRead({ try $0.hasHeldChanges() }) else { return ApplySummary() }
        return try await applyRemote([], centralNodeId: centralNodeId, now: now)
    }

    /// Central: applies a hub's own changes. Every change must come from the hub's node, follow on from what central
    /// already holds of it, and touch only rows of the hub's partition; otherwise nothing is applied.
    ///
    /// - Returns: what was applied, and central's new highest sequence number from that hub (the acknowledgement).
    public func applyFromHub(
        _ changes: [RowChange], hubId: String, hubNodeId: String, hubName: String, wireBytes: Int, now: Date = Date()
    ) async throws -> (summary: ApplySummary, acknowledged: Int64) {
        let central = nodeId
        return try await replicaWrite { connection in
            var expected = try connection.maxOriginSeq(origin: hubNodeId) + 1
            for change in changes {
                guard change.originNode == hubNodeId else { throw ReplicaError.outOfPartition(table: change.table, key: change.key) }
                if change.originSeq > expected { throw ReplicaError.sequenceGap(expected: expected, got: change.originSeq) }
                expected = max(expected, change.originSeq + 1)
            }
            // A change to a row outside the hub's partition is kept and quarantined, not refused: the hub's sequence
            // stays gapless and its link never wedges on one bad change; ops sees the conflict.
            let partition = try HubPartition(hubId: hubId, connection: connection, centralNodeId: central)
            let summary = try ReplicaApplier(storage: self, connection: connection, centralNodeId: central, now: now).apply(changes) { change in
                guard SyncedTable(rawValue: change.table) != nil else { return true }
                return try partition.admitsFromHub(change)
            }
            let acknowledged = try connection.maxOriginSeq(origin: hubNodeId)
            try connection.updatePeer(
                nodeId: hubNodeId, role: .hub, name: hubName,
                [
                    .hubId(hubId), .acknowledged(acknowledged), .lastSeenAt(UTCTimestamp.format(now)), .bytesIn(Int64(wireBytes)),
                    .changesIn(Int64(summary.applied)),
                ])
            return (summary, acknowledged)
        }
    }

    /// Hub: applies a slice of central's feed and moves the pull cursor to `through` in the same transaction, so an
    /// interrupted sync resumes after the last applied slice.
    public func applyFromCentral(
        _ changes: [RowChange], centralNodeId: String, through: Int64, acknowledged: Int64, wireBytes: Int, clockOffsetMs: Int64?,
        partition: String? = nil, movesSeen: Int64? = nil, left: [[String]] = [], back: [[String]] = [], now: Date = Date()
    ) async throws -> ApplySummary {
        noteCentralClockOffset(clockOffsetMs)
        return try await replicaWrite { connection in
            let summary = try ReplicaApplier(storage: self, connection: connection, centralNodeId: centralNodeId, now: now).apply(changes)
            // Rows central says left this hub's partition (rule 14): kept, marked, no longer fed.
            for pair in left where pair.count == 2 || pair.count == 3 {
                try connection.execute(
                    """
                    INSERT INTO partition_left (table_name, row_key, left_at, moved_to) VALUES (?, ?, ?, ?)
                    ON CONFLICT (table_name, row_key) DO UPDATE SET moved_to = coalesce(excluded.moved_to, partition_left.moved_to)
                    """, [.text(pair[0]), .text(pair[1]), .text(UTCTimestamp.format(now)), pair.count == 3 ? .text(pair[2]) : .null])
            }
            for pair in back where pair.count == 2 {
                try connection.execute("DELETE FROM partition_left WHERE table_name = ? AND row_key = ?", [.text(pair[0]), .text(pair[1])])
            }
            var fields: [PeerField] = [
                .pulledThrough(through), .acknowledged(acknowledged), .lastSeenAt(UTCTimestamp.format(now)), .partitionFingerprint(partition),
                .bytesIn(Int64(wireBytes)), .changesIn(Int64(summary.applied)),
            ]
            if let clockOffsetMs { fields.append(.clockOffsetMs(clockOffsetMs)) }
            if let movesSeen { fields.append(.movesSeen(movesSeen)) }
            try connection.updatePeer(nodeId: centralNodeId, role: .central, name: "central", fields)
            return summary
        }
    }
}
