import Foundation

/// The newest login code the console notifier wrote for `phone` in the outbox of the node whose data directory is
/// `directory` (`outbox/whatsapp.jsonl`), as a provider reads it on WhatsApp; nil if none yet.
public func consoleOutboxCode(to phone: String, in directory: URL) throws -> String? {
    guard let text = try? String(contentsOf: directory.appendingPathComponent("outbox/whatsapp.jsonl"), encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n").reversed() {
        guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], json["to"] as? String == phone else {
            continue
        }
        return (json["variables"] as? [String: String])?["code"]
    }
    return nil
}
