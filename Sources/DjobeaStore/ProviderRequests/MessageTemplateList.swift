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
