import DjobeaDomain
import Foundation

/// Remembers access tokens already verified against a live session, so that a provider's next requests skip the
/// signature check and the session read.
///
/// An entry is used only while nothing has committed to the session or provider tables since it was made
/// (`SessionTablesWatch`): a logout, a refresh-token reuse that revokes the chain, or a suspension empties the
/// cache's effect at once. It also expires with the token and after `activityTouchInterval`, so the session's
/// sliding expiry is still touched about as often as without the cache.
final class VerifiedTokenCache: Sendable {
    struct Entry {
        let identity: ProviderIdentity
        let generation: UInt64
        let validUntil: Date
    }

    let capacity: Int
    private let entries = LockedValue<[String: Entry]>([:])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func lookup(_ token: String, generation: UInt64, now: Date) -> ProviderIdentity? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.generation == generation, now < entry.validUntil else {
                entries[token] = nil
                return nil
            }
            return entry.identity
        }
    }

    func store(_ token: String, _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[token] == nil {
                entries = entries.filter { $0.value.generation == entry.generation && $0.value.validUntil > Date() }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = entry
        }
    }
}
