import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation

/// Completed, invoiced (and rated) missions written at central through the storage seam, for the commission and level
/// suites on SQLite and on PostgreSQL.
public enum CommissionFixtures {
    /// A request taken in at `completedAt` − 3 h, accepted, done and completed by `providerId` at `completedAt`, invoiced
    /// `total` with Djobea's commission derived, and rated `stars` if given. Returns the request id.
    @discardableResult
    public static func completedMission(
        _ storage: any ReplicaStorage, providerId: String, zone: String, service: String, clientPhone: String, total: Int, completedAt: Date,
        stars: Int? = nil
    ) async throws -> String {
        let requestId = try await IntakeStore(storage).intakeRequest(
            RequestIntake(
                zone: zone, service: service, urgency: "urgent", title: "Fuite sous l'évier", description: "Fuite", address: "Rue 1",
                clientName: "Awa Ngono", clientPhone: clientPhone), now: completedAt.addingTimeInterval(-3 * 3_600))
        try await storage.localWrite(critical: true, now: completedAt) { tx in
            for kind in [MissionEventKind.accepted, .arrived, .completed] {
                try tx.appendMissionEvent(requestId: requestId, kind: kind, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            let clientId =
                try tx.connection.query("SELECT client_id FROM service_requests WHERE id = ?", [.text(requestId)]).first?["client_id"]
                .textValue ?? ""
            let invoiceId = DjobeaID.v7(now: completedAt)
            let time = UTCTimestamp.format(completedAt)
            try tx.insert(
                .invoices,
                [
                    "id": .text(invoiceId), "request_id": .text(requestId), "provider_id": .text(providerId), "client_id": .text(clientId),
                    "number": .text("F-\(requestId.suffix(8))"), "total": .integer(Int64(total)), "issued_at": .text(time),
                    "due_at": .text(UTCTimestamp.format(completedAt.addingTimeInterval(7 * 86_400))), "sent_at": .text(time),
                ])
            try tx.insert(
                .invoiceLines,
                [
                    "id": .text(DjobeaID.v7(now: completedAt)), "invoice_id": .text(invoiceId), "kind": .text("main_oeuvre"),
                    "label": .text("Réparation"),
                    "quantity": .integer(1), "unit_price": .integer(Int64(total)),
                ])
            if let stars {
                try tx.insert(
                    .ratings,
                    [
                        "id": .text(DjobeaID.v7(now: completedAt)), "request_id": .text(requestId), "client_id": .text(clientId),
                        "provider_id": .text(providerId), "stars": .integer(Int64(stars)), "created_at": .text(time),
                    ])
            }
            // Last: on PostgreSQL the derivation takes its change-log sequence from the table, after the writes above.
            try tx.deriveCommission(requestId: requestId)
        }
        return requestId
    }

    /// The commission entry of a request: its amount and the rate version it used, nil if none.
    public static func commission(_ storage: any ReplicaStorage, requestId: String) async throws -> (amount: Int, rateId: String)? {
        try await storage.replicaRead { db in
            try db.query("SELECT amount, rate_id FROM ledger_entries WHERE request_id = ? AND kind = 'commission'", [.text(requestId)]).first.map {
                (Int($0["amount"].integerValue ?? 0), $0["rate_id"].textValue ?? "")
            }
        }
    }

    /// A provider's level as stored.
    public static func level(_ storage: any ReplicaStorage, providerId: String) async throws -> String? {
        try await storage.replicaRead { db in
            try db.query("SELECT level FROM providers WHERE id = ?", [.text(providerId)]).first?["level"].textValue
        }
    }
}
