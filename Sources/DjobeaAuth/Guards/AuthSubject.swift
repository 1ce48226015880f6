import Crypto
import Foundation

/// The row key of an account in the failure counts (`AuthGuardStore`): its provider id, else a hash of the email
/// that matched nobody.
enum AuthSubject {
    static func of(providerId: String?, email: String) -> String {
        if let providerId { return of(providerId: providerId) }
        let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return "email:" + Hex.encode(SHA256.hash(data: Array(normalized.utf8)))
    }

    static func of(providerId: String) -> String { "provider:\(providerId)" }
}
