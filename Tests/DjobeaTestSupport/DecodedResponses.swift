import DjobeaServer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// Decodes the body of an in-process HTTP answer into a public response type (a Store read model, a server type) with
/// the API's key policy (`JSONCoding.decoder`), so a test reads `page.items[0].statusLabel` rather than indexing a
/// dictionary by wire names. Tests whose job is the raw wire (key names, OpenAPI conformance, exact bytes) read
/// `ReadsJSONResponses.json` on purpose.
public func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONCoding.decoder.decode(type, from: Data(buffer: response.body))
}
