import DjobeaDomain
import DjobeaReplication
import Foundation

/// Messages the gateway writes itself: the away reply, the rating request after a paid mission.
public enum GatewayReplies {
    /// The away reply when the provider wrote none.
    static let defaultAwayMessage = "Bonjour, je suis indisponible pour le moment. Je vous réponds dès mon retour. Merci de votre patience."

    /// Sends the provider's away message to a client who just wrote while the provider is away (away mode or an
    /// absence), at most once a day per client. Inside the client's 24-hour window: free text.
    static func awayReply(clientId: String, requestId: String, providerId: String, now: Date, in tx: any ChangeLoggedWrites) throws {
        let nowText = ColumnValue(now)
        guard
            let provider = try tx.connection.query(
                """
                SELECT away_message,
                    CASE WHEN (away_mode = 1 AND (away_until IS NULL OR away_until > ?))
                        OR EXISTS (SELECT 1 FROM absences a WHERE a.provider_id = providers.id AND a.starts_at <= ? AND a.ends_at > ?)
                        THEN 1 ELSE 0 END AS away
                FROM providers WHERE id = ?
                """, [nowText, nowText, nowText, .text(providerId)]
            ).first, provider["away"].isTrue
        else { return }
        let since = ColumnValue(now.addingTimeInterval(-86_400))
        guard
            try !tx.connection.returnsRow(
                "SELECT 1 FROM messages WHERE client_id = ? AND template_code = 'message_absence' AND sent_at >= ?", [.text(clientId), since])
        else { return }
        let text = provider["away_message"].textValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        try insert(
            body: text?.isEmpty == false ? text ?? defaultAwayMessage : defaultAwayMessage, templateCode: "message_absence", template: nil,
            essential: false, requestId: requestId, providerId: providerId, clientId: clientId, in: tx)
    }

    /// Queues the rating request of each mission completed within `window` whose invoice is paid in full and that has
    /// neither a rating nor a rating request yet. Returns how many it queued.
    @discardableResult
    public static func queueRatingRequests(now: Date, window: TimeInterval = 7 * 86_400, limit: Int = 100, in tx: any ChangeLoggedWrites) throws
        -> Int
    {
        let rows = try tx.connection.query(
            """
            SELECT r.id, r.title, r.client_id, c.name AS client_name, m.provider_id, p.name AS provider_name
            FROM missions m
            JOIN service_requests r ON r.id = m.request_id
            JOIN clients c ON c.id = r.client_id
            JOIN providers p ON p.id = m.provider_id
            JOIN invoices i ON i.request_id = r.id
            WHERE m.status = \(RequestStatus.terminee.sqlLiteral) AND m.completed_at >= ?
                AND NOT EXISTS (SELECT 1 FROM ratings WHERE request_id = r.id)
                AND NOT EXISTS (SELECT 1 FROM messages WHERE request_id = r.id AND template_name = 'demande_avis')
                AND (SELECT coalesce(sum(CASE e.kind WHEN \(LedgerEntryKind.payment.sqlLiteral) THEN e.amount ELSE 0 END), 0)
                     - coalesce(sum(CASE WHEN e.kind = \(LedgerEntryKind.reversal.sqlLiteral)
                         AND x.kind = \(LedgerEntryKind.payment.sqlLiteral) THEN x.amount ELSE 0 END), 0)
                     FROM ledger_entries e LEFT JOIN ledger_entries x ON x.id = e.reverses_entry_id
                     WHERE e.request_id = r.id) >= i.total
            ORDER BY m.completed_at LIMIT ?
            """, [ColumnValue(now.addingTimeInterval(-window)), .integer(Int64(limit))])
        for row in rows {
            guard let requestId = row["id"].textValue, let clientId = row["client_id"].textValue, let providerId = row["provider_id"].textValue
            else { continue }
            let template = WhatsAppTemplates.ratingRequest
            let params = [
                ProviderRequestWording.firstName(row["client_name"].textValue ?? ""), row["provider_name"].textValue ?? "",
                row["title"].textValue ?? "",
            ]
            // One request per mission even if two gateways decided it at once: the id derives from the request.
            try insert(
                body: template.render(params), templateCode: "demande_avis", template: (template.name, params), essential: false,
                requestId: requestId, providerId: providerId, clientId: clientId,
                id: DjobeaID.derived(namespace: "demande-avis", name: requestId), in: tx)
        }
        return rows.count
    }

    /// Tells the clients of the provider's open missions that the provider is away until `until` (template
    /// `absence_prestataire`, not essential: a client who answered STOP does not get it).
    static func absenceNotices(providerId: String, until: Date, reason: String?, in tx: any ChangeLoggedWrites) throws {
        let rows = try tx.connection.query(
            """
            SELECT r.id, r.title, r.client_id, c.name AS client_name, p.name AS provider_name FROM missions m
            JOIN service_requests r ON r.id = m.request_id JOIN clients c ON c.id = r.client_id JOIN providers p ON p.id = m.provider_id
            WHERE m.provider_id = ? AND m.status IN (\(RequestStatus.openMission.sqlList))
            """, [.text(providerId)])
        let returnDay = ProviderRequestWording.local(until).day
        for row in rows {
            guard let requestId = row["id"].textValue, let clientId = row["client_id"].textValue else { continue }
            let template = WhatsAppTemplates.absenceNotice
            let note = reason.map { "Motif : \($0). Je vous recontacte à mon retour." } ?? "Je vous recontacte à mon retour."
            let params = [
                ProviderRequestWording.firstName(row["client_name"].textValue ?? ""), row["provider_name"].textValue ?? "", returnDay,
                row["title"].textValue ?? "", note,
            ]
            try insert(
                body: template.render(params), templateCode: "absence", template: (template.name, params), essential: false, requestId: requestId,
                providerId: providerId, clientId: clientId, in: tx)
        }
    }

    static func insert(
        body: String, templateCode: String, template: (name: String, params: [String])?, essential: Bool, requestId: String?,
        providerId: String, clientId: String, id: String? = nil, in tx: any ChangeLoggedWrites
    ) throws {
        try tx.insert(
            MessageRecord(
                id: id ?? DjobeaID.v7(now: tx.now), requestId: requestId, providerId: providerId, clientId: clientId, direction: .outgoing,
                channel: .whatsapp, templateCode: templateCode, body: String(body.prefix(1000)), sentAt: UTCTimestamp.format(tx.now),
                deliveryStatus: .queued, gatewayNode: try ClientMessages.gatewayNode(in: tx.connection), templateName: template?.name,
                templateParams: try template.map { String(decoding: try JSONEncoder().encode($0.params), as: UTF8.self) },
                essential: essential, externalId: nil, statusReason: nil, statusAt: nil, intent: nil))
    }
}
