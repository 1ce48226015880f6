import DjobeaServer
import Foundation

/// The API's key policy (DjobeaServer's `JSONCoding`: snake_case keys), for Store tests that check the names a read
/// model gets on the wire.
public func snakeCaseEncoder() -> JSONEncoder { JSONCoding.encoder }

/// The decoding side of `snakeCaseEncoder`.
public func snakeCaseDecoder() -> JSONDecoder { JSONCoding.decoder }
