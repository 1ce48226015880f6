import Foundation
import GRDB

/// What a provider may choose from when editing their profile (`GET /provider/catalogue`): the quarters of their hub
/// and the services on offer.
public struct ProviderCatalogue: Codable, Sendable, Hashable {
    public struct Entry: Codable, Sendable, Hashable {
        public var code: String
        public var name: String
    }

    /// The quarters of the hub(s) the provider's quarters belong to; every known quarter when none is known yet.
    public var zones: [Entry]
    /// Active services, in the catalogue's order.
    public var services: [Entry]
}
