import Foundation

/// JSON the Store keeps in its own columns (an idempotent command's answer, an ops action's result): snake_case keys,
/// the API's policy, so that a stored answer reads like the one it replays and rows written when the types still
/// spelled out their keys decode the same.
enum StoredJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}
