import Foundation
import GRDB

/// The quick replies and questions a provider can send a client (`GET /provider/message-templates`): the catalogue's,
/// with the provider's own templates replacing those of the same code and adding theirs.
public struct MessageTemplateList: Codable, Sendable, Hashable {
    public struct Template: Codable, Sendable, Hashable {
        public var code: String
        /// The text as the client will read it, with `{client}`, `{prestataire}`, `{titre}`, `{service}`, `{zone}` filled in
        /// by the hub when it is sent.
        public var body: String
        /// True for the provider's own template.
        public var own: Bool
    }

    /// kind `reply`: "J'arrive dans 15 minutes"…
    public var replies: [Template]
    /// kind `question`: "Pouvez-vous envoyer une photo ?"…
    public var questions: [Template]
}

extension NodeDatabase {
    /// The templates `providerId` may use, in the catalogue's order (own templates first within the same order).
    public func messageTemplates(providerId: String) async throws -> MessageTemplateList {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT code, kind, body, provider_id IS NOT NULL AS own, sort_order FROM message_templates
                    WHERE (provider_id = ? OR provider_id IS NULL) AND code <> 'acceptation'
                    ORDER BY kind, code, provider_id IS NULL
                    """, arguments: [providerId])
            var seen = Set<String>()
            var replies: [(Int, MessageTemplateList.Template)] = []
            var questions: [(Int, MessageTemplateList.Template)] = []
            for row in rows {
                let kind: String = row["kind"]
                let code: String = row["code"]
                guard seen.insert(kind + "/" + code).inserted else { continue }  // the provider's own comes first
                let template = MessageTemplateList.Template(code: code, body: row["body"], own: row["own"])
                let order: Int = row["sort_order"]
                if kind == "reply" { replies.append((order, template)) } else { questions.append((order, template)) }
            }
            func sorted(_ list: [(Int, MessageTemplateList.Template)]) -> [MessageTemplateList.Template] {
                list.sorted { ($0.0, $0.1.code) < ($1.0, $1.1.code) }.map(\.1)
            }
            return MessageTemplateList(replies: sorted(replies), questions: sorted(questions))
        }
    }
}
