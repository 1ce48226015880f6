import Foundation

/// A quarter where providers work and requests are located.
public struct Zone: Hashable, Sendable {
    /// Stable lowercase code such as "bonamoussadi-centre".
    public var code: String
    public var nameFR: String

    public init(code: String, nameFR: String) {
        self.code = code
        self.nameFR = nameFR
    }
}

/// The first hub's neighbourhood: Bonamoussadi and its quarters, in Douala 5e.
public enum Bonamoussadi {
    public static let hubName = "Bonamoussadi"

    /// The quarters the Bonamoussadi hub serves, in display order.
    public static let quarters: [Zone] = [
        Zone(code: "bonamoussadi-centre", nameFR: "Bonamoussadi Centre"),
        Zone(code: "denver", nameFR: "Denver"),
        Zone(code: "santa-barbara", nameFR: "Santa Barbara"),
        Zone(code: "makepe", nameFR: "Makepe"),
        Zone(code: "makepe-missoke", nameFR: "Makepe Missoké"),
        Zone(code: "kotto", nameFR: "Kotto"),
        Zone(code: "bangue", nameFR: "Bangue"),
        Zone(code: "lycee", nameFR: "Lycée de Bonamoussadi"),
    ]

    /// The quarter with `code`, if the hub serves it.
    public static func quarter(_ code: String) -> Zone? {
        quarters.first { $0.code == code }
    }
}
