import Foundation

/// What the hub's sync engine needs of the network: its link to central and one signed exchange. `SyncClient` is the
/// HTTP one; tests drive the engine against central's service in memory.
public protocol SyncTransport: Sendable {
    /// The hub's credential with central (`centralNodeId` names central's peer row).
    var link: CentralLink { get }

    /// The protocol version the hub speaks (SPEC.md §9.1): `syncProtocolVersion`, or an older one in tests.
    var protocolVersion: Int { get }

    /// A signed POST of `message` to `path` (`/sync/v1/pull`, `/sync/v1/push`); returns the decoded answer and the
    /// bytes that crossed the wire (both ways). Fails with a `SyncError`: `unreachable` when no answer came, `server`
    /// when central refused.
    func post<Request: Encodable, Answer: Decodable>(_ path: String, _ message: Request) async throws -> (Answer, Int)
}

extension SyncTransport {
    public var protocolVersion: Int { syncProtocolVersion }
}

extension SyncClient: SyncTransport {}
