import Foundation

/// The code of a service in the catalogue ("plomberie"): stable, lowercase, never shown to users.
public struct ServiceCode: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public static let plomberie = ServiceCode("plomberie")
    public static let electricite = ServiceCode("electricite")
    public static let electromenager = ServiceCode("electromenager")

    /// Whether the code has the catalogue's shape (see `ServiceCatalogue.isValidCode`).
    public var isValid: Bool { ServiceCatalogue.isValidCode(rawValue) }

    public var description: String { rawValue }

    public static func < (lhs: ServiceCode, rhs: ServiceCode) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A service offered on the platform, with its French name and its place in lists.
public struct ServiceDefinition: Hashable, Sendable {
    public var code: ServiceCode
    public var nameFR: String
    public var sortOrder: Int

    public init(code: ServiceCode, nameFR: String, sortOrder: Int) {
        self.code = code
        self.nameFR = nameFR
        self.sortOrder = sortOrder
    }
}

/// The services catalogue: three built-in services, extensible by ops with new codes.
public enum ServiceCatalogue {
    /// The services Djobea launched with, in display order.
    public static let builtIn: [ServiceDefinition] = [
        ServiceDefinition(code: .plomberie, nameFR: "Plomberie", sortOrder: 10),
        ServiceDefinition(code: .electricite, nameFR: "Électricité", sortOrder: 20),
        ServiceDefinition(code: .electromenager, nameFR: "Réparation électroménager", sortOrder: 30),
    ]

    /// Whether `s` is a well-formed service code: 2...40 of lowercase ASCII letters, digits and underscores.
    public static func isValidCode(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (2...40).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
    }

    /// The built-in definition for `code`, if it is one.
    public static func builtInDefinition(_ code: ServiceCode) -> ServiceDefinition? {
        builtIn.first { $0.code == code }
    }
}
