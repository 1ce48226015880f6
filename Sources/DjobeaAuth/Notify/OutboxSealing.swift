import Crypto
import DjobeaStore
import Foundation

/// The content of queued messages (`NotificationOutboxStore`), sealed.
///
/// A message's variables and body (which may hold a one-time code) are sealed with ChaCha20-Poly1305 under a key
/// derived from the node's secret, bound to the row id; the plain code is never stored, and the sealed content is
/// erased once the message is sent.
enum OutboxSealing {
    private struct Content: Codable {
        let variables: [String: String]
        let body: String
    }

    static func seal(_ message: OutgoingMessage, id: String, key: SymmetricKey) throws -> String {
        let plain = try JSONEncoder().encode(Content(variables: message.variables, body: message.body))
        let box = try ChaChaPoly.seal(plain, using: key, authenticating: Array(id.utf8))
        return box.combined.base64EncodedString()
    }

    /// The message to queue under `id`, sealed.
    static func queued(_ message: OutgoingMessage, id: String, expiresAt: Date?, key: SymmetricKey) throws -> QueuedNotification {
        QueuedNotification(
            id: id, recipient: message.to, template: message.template, sealedContent: try seal(message, id: id, key: key), expiresAt: expiresAt)
    }

    static func open(_ row: PendingNotification, key: SymmetricKey) throws -> OutgoingMessage {
        guard let combined = Data(base64Encoded: row.sealedContent) else { throw NotifierError.permanent("contenu scellé illisible") }
        let box = try ChaChaPoly.SealedBox(combined: combined)
        let content = try JSONDecoder().decode(Content.self, from: ChaChaPoly.open(box, using: key, authenticating: Array(row.id.utf8)))
        return OutgoingMessage(to: row.recipient, template: row.template, variables: content.variables, body: content.body)
    }
}
