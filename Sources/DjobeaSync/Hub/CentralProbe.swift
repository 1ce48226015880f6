import AsyncHTTPClient
import Foundation
import NIOCore

/// One `GET /healthz` to central, timed, with central's `Date` header: `djobea doctor` judges the link, its latency and
/// the clock offset from it.
public struct CentralProbe: Sendable {
    public let status: Int
    /// Central's clock from its `Date` header (whole seconds), when it sent one.
    public let serverDate: Date?
    /// The hub's clock when the request left and when the answer arrived.
    public let sent: Date
    public let received: Date

    public var latency: TimeInterval { received.timeIntervalSince(sent) }

    /// The hub's clock minus central's, in seconds: central's `Date` (truncated to the second, so its middle is taken)
    /// against the middle of the round trip. Accurate to about half a second plus half the round trip.
    public var clockOffset: TimeInterval? {
        serverDate.map { sent.addingTimeInterval(latency / 2).timeIntervalSince($0.addingTimeInterval(0.5)) }
    }

    /// Calls `<centralURL>/healthz`; throws `SyncError.unreachable` when no answer comes within `timeout`.
    public static func run(centralURL: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) async throws -> CentralProbe {
        let request = HTTPClientRequest(url: SyncClient.url(centralURL, "/healthz"))
        let sent = Date()
        do {
            let response = try await http.execute(request, timeout: timeout)
            _ = try await response.body.collect(upTo: 1 << 20)
            let received = Date()
            return CentralProbe(
                status: Int(response.status.code), serverDate: response.headers.first(name: "Date").flatMap(httpDate), sent: sent, received: received)
        } catch {
            throw SyncError.unreachable(String(describing: error).prefix(200).description)
        }
    }

    /// An HTTP date (RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`).
    public static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
