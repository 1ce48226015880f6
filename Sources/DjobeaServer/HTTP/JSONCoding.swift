import DjobeaDomain
import Foundation

/// The API's one JSON key policy: Swift names on our side, snake_case on the wire. Responses are encoded with
/// `encoder` (`convertToSnakeCase`), bodies decoded with `decoder` (`convertFromSnakeCase`), so no API type spells out
/// its keys. `wireName` is the same conversion, for the OpenAPI document and error messages.
///
/// What the policy cannot express: a name whose digits start a word keeps explicit `CodingKeys` next to its type
/// (`acceptance_rate_7d`: the conversion gives `acceptance_rate7d`); the sync protocol's messages have their own codec
/// and spell out their keys. A property decoded from a body names an acronym as a word (`photoSha256`, not
/// `photoSHA256`), since `convertFromSnakeCase` turns `photo_sha256` into `photoSha256`. Keys already in camelCase
/// are accepted as they are (the W3C push subscription's `expirationTime`). Dictionary keys are data: never converted.
public enum JSONCoding {
    /// Responses: snake_case keys, sorted so that the same value is the same bytes (strong ETags).
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Bodies: snake_case keys.
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Bodies whose types declare every key themselves (the sync protocol's messages).
    public static let declaredKeys = JSONDecoder()

    /// The wire name of a Swift key under the policy (`statusLabel` → `status_label`; a snake_case key is unchanged).
    public static func wireName(_ key: String) -> String {
        guard key.contains(where: \.isUppercase) else { return key }
        if let known = names.withLock({ $0[key] }) { return known }
        let encoded = (try? encoder.encode(OneKey(name: key))).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Int] }
        let name = encoded?.keys.first ?? key
        names.withLock { $0[key] = name }
        return name
    }

    /// Converted names, kept: the OpenAPI document and error messages ask for the same few keys again and again.
    private static let names = LockedValue<[String: String]>([:])

    /// An object with a single key, to have the encoder convert it.
    private struct OneKey: Encodable {
        let name: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: AnyCodingKey.self)
            try container.encode(0, forKey: AnyCodingKey(name))
        }
    }
}
