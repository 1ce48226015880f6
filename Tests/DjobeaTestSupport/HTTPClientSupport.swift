import AsyncHTTPClient
import Foundation

/// A URL on which nothing listens: connections are refused.
public let unreachableURL = URL(string: "http://127.0.0.1:1") ?? URL(fileURLWithPath: "/")

/// Runs `body` with a fresh `HTTPClient` and shuts it down afterwards, also when `body` throws.
public func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
