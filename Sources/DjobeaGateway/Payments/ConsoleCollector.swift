import DjobeaDomain
import Foundation

/// The demo's operator: each request is written to `<data>/outbox/mobile-money.jsonl` (what the client's phone would
/// show), and the client "approves" it `approveAfter` seconds later. A payer number ending in 0000 refuses (to show a
/// failure in the demo).
public actor ConsoleCollector: MobileMoneyCollector {
    public nonisolated let method: CollectionMethod
    private let file: URL
    private let approveAfter: TimeInterval
    private var requested: [String: Date] = [:]

    public init(method: CollectionMethod, directory: URL, approveAfter: TimeInterval = 5) {
        self.method = method
        self.file = directory.appendingPathComponent("mobile-money.jsonl")
        self.approveAfter = approveAfter
    }

    public func prepare(_ order: MobileMoneyOrder) async throws -> String { order.reference }

    public func request(_ order: MobileMoneyOrder, handle: String) async throws {
        if requested[handle] != nil { return }
        requested[handle] = Date()
        let line: [String: Any] = [
            "at": UTCTimestamp.format(Date()), "operator": method.rawValue, "reference": order.reference, "to": order.payerPhone,
            "amount": order.amount, "prompt": "\(method.labelFR) : payer \(XAF(order.amount).formatted) à Djobea (\(order.description)) ?",
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) else { return }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: file.path) { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data + Data("\n".utf8))
        } catch {
            throw MobileMoneyError.transient(reason: "console : écriture impossible (\(error))", retryAfter: nil)
        }
    }

    public func status(_ order: MobileMoneyOrder, handle: String) async throws -> OperatorCollectionStatus {
        guard let at = requested[handle] else { return .unknown }
        guard Date().timeIntervalSince(at) >= approveAfter else { return .pending }
        if order.payerPhone.hasSuffix("0000") { return .failed(code: "APPROVAL_REJECTED") }
        return .successful(transactionId: "console-" + order.reference.prefix(8), amount: order.amount)
    }
}
