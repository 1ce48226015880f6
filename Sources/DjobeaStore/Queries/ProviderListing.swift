import Foundation
import GRDB

/// A provider as listed for operators (and printed by `djobea demo`).
public struct ProviderListing: Sendable, Hashable {
    public var id: String
    public var name: String
    public var phone: String
    public var services: [String]
}
