import DjobeaDomain
import DjobeaReplication
import Foundation

/// The checks the ops actions share: reasons, a request's state, eligibility, set replacement, partition stakes.
extension OpsStore {
    static func opsReason(_ text: String?, required: Bool) throws -> String? {
        let reason = text?.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason?.isEmpty ?? true {
            if required { throw IntakeError("reason", "Motif requis (500 caractères au plus).") }
            return nil
        }
        guard let reason, reason.count <= 500 else { throw IntakeError("reason", "Motif trop long (500 caractères au plus).") }
        guard !reason.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) else {
            throw IntakeError("reason", "Caractères de contrôle refusés dans le motif.")
        }
        return reason
    }

    static func requestState(_ requestId: String, in db: any ReplicaConnection) throws -> MissionState {
        guard DjobeaID.isValid(requestId), try !db.query("SELECT id FROM service_requests WHERE id = ?", [.text(requestId)]).isEmpty
        else { throw IntakeError("request_id", "Demande introuvable.", notFound: true) }
        return MissionStatusFold.fold(try ReplicaFolds.missionEvents(requestId: requestId, in: db))
    }

    /// A provider ops may assign a request to: active, offering the request's service in its zone.
    static func checkEligible(provider: String, request: String, in db: any ReplicaConnection) throws {
        guard let status = try db.query("SELECT account_status FROM providers WHERE id = ?", [.text(provider)]).first?[0].textValue else {
            throw IntakeError("provider_id", "Prestataire introuvable.", notFound: true)
        }
        guard OfferCandidate.AccountStatus(rawValue: status) == .active else {
            throw OpsRefusal("provider_suspended", "Ce prestataire est suspendu.")
        }
        let serves = try !db.query(
            """
            SELECT r.id FROM service_requests r
                JOIN provider_zones pz ON pz.zone_id = r.zone_id AND pz.provider_id = ?
                JOIN provider_services ps ON ps.service_id = r.service_id AND ps.provider_id = ?
            WHERE r.id = ?
            """, [.text(provider), .text(provider), .text(request)]
        ).isEmpty
        guard serves else {
            throw OpsRefusal("provider_not_eligible", "Ce prestataire ne couvre pas le service ou la zone de la demande.")
        }
    }

    /// Makes a provider's set rows (`rows`, their provider_services or provider_zones) exactly `ids` by the id that
    /// `value` reads: deletes the others (tombstones), inserts the missing ones made by `make`. Returns whether anything
    /// changed.
    static func replaceSet<Record: MutableSyncedRecord>(
        _ rows: [Record], by value: (Record) -> String, with ids: [String], in tx: any ChangeLoggedWrites, make: (String) -> Record
    ) throws -> Bool {
        let wanted = Set(ids)
        var changed = false
        var have = Set<String>()
        for row in rows {
            if wanted.contains(value(row)) {
                have.insert(value(row))
            } else {
                try tx.delete(row)
                changed = true
            }
        }
        for id in ids where !have.contains(id) {
            have.insert(id)
            try tx.insert(make(id))
            changed = true
        }
        return changed
    }

    /// Gives `hubId` a stake in every request assigned to the provider (rule 14). Returns how many are new.
    static func stakeAssignedRequests(providerId: String, hubId: String, now: Date, in db: any ReplicaConnection) throws -> Int {
        try db.execute(
            """
            INSERT INTO partition_stakes (hub_id, request_id, reason, created_at)
            SELECT ?, request_id, \(PartitionStakeReason.providerMoved.sqlLiteral), ? FROM missions WHERE provider_id = ?
            ON CONFLICT DO NOTHING
            """, [.text(hubId), .text(UTCTimestamp.format(now)), .text(providerId)])
    }
}
