import Foundation

/// An encoder with the API's key policy (DjobeaServer's `JSONCoding`: snake_case keys), for Store tests that check
/// the names a read model gets on the wire without depending on the server.
public func snakeCaseEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = .sortedKeys
    return encoder
}

/// The decoding side of `snakeCaseEncoder`.
public func snakeCaseDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return decoder
}
