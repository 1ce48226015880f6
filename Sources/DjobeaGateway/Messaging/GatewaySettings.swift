import Foundation

/// A driver setting that is missing or unusable, in one French line an operator can act on.
public struct GatewaySettingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: String

    public init(line: String) {
        self.line = line
    }

    public var description: String { line }
}

/// Reading driver settings from the process environment.
enum GatewayEnvironment {
    static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    static func required(_ env: [String: String], _ variable: String, _ driver: String, _ meaning: String) throws -> String {
        guard let value = nonEmpty(env[variable]) else {
            throw GatewaySettingError(line: "Configuration manquante : \(variable) est requis pour \(driver) (\(meaning)).")
        }
        return value
    }

    static func url(_ env: [String: String], _ variable: String, _ driver: String) throws -> URL? {
        guard let text = nonEmpty(env[variable]) else { return nil }
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw GatewaySettingError(
                line: "Configuration invalide : \(variable) = « \(text) » pour \(driver). Attendu : une URL http(s)://hôte[:port][/chemin].")
        }
        return url
    }

    /// `+` followed by 8 to 15 digits.
    static func isE164(_ text: String) -> Bool {
        let digits = text.utf8.dropFirst()
        return text.hasPrefix("+") && (8...15).contains(digits.count) && digits.allSatisfy { (48...57).contains($0) }
    }
}
