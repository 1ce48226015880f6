import DjobeaDomain
import DjobeaGatewayFakes
import DjobeaStore
import Foundation
import GRDB

// djobea-gateway-bench: drains a queue of client messages through a real `djobea central` (the gateway) against a
// local fake of the WhatsApp Cloud API that enforces a throughput limit, and prints the figures:
//   time to drain, messages per second against the fake's limit, 429s received, the gateway process's memory (RSS)
//   sampled every second, and duplicates (messages the fake accepted twice for one of our ids).
// Usage: swift build -c release && .build/release/djobea-gateway-bench [--messages 10000] [--limit 200]
// (`scripts/bench-gateway.sh` does both.)

func option(_ name: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}

/// One line on stdout at once (the bench is read through pipes, where print would buffer).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Resident memory of a process in MiB, from /proc.
func residentMiB(_ pid: Int32) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return nil }
    let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
    return kib / 1024
}

let count = option("--messages", 10_000)
let limit = option("--limit", 200)
let root = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-gateway-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("djobea")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    say("djobea introuvable à côté du banc d'essai (\(binary.path)) : construisez d'abord le produit djobea.")
    exit(1)
}
say("djobea-gateway-bench — \(ProcessInfo.processInfo.processorCount) cœurs, \(count) messages, faux WhatsApp Cloud limité à \(limit)/s")

// 1. Central's database with `count` queued messages to as many clients, as the sync would bring them from hubs.
let path = root.appendingPathComponent("djobea.sqlite").path
do {
    let database = try NodeDatabase.open(path: path, role: .central)
    let provider = DjobeaID.v7()
    try database.writeBlocking { tx in
        _ = try tx.insert(
            .providers,
            [
                "id": .text(provider), "phone": "+237690009999", "name": "Jean Plombier", "joined_at": ColumnValue(tx.now),
                "updated_at": ColumnValue(tx.now),
            ])
    }
    var written = 0
    while written < count {
        let batch = min(1_000, count - written)
        let offset = written
        try database.writeBlocking { tx in
            for index in offset..<(offset + batch) {
                let client = DjobeaID.v7()
                try tx.insert(
                    .clients,
                    ["id": .text(client), "phone": .text(String(format: "+2376%08d", index)), "name": "Client", "created_at": ColumnValue(tx.now)])
                try tx.insert(
                    .messages,
                    [
                        "id": .text(DjobeaID.v7()), "provider_id": .text(provider), "client_id": .text(client), "direction": "out",
                        "channel": "whatsapp",
                        "body": "Bonjour, votre prestataire arrive dans 20 minutes.", "sent_at": ColumnValue(tx.now), "delivery_status": "queued",
                    ])
            }
        }
        written += batch
    }
}

// 2. The fake, with its throughput limit, and the gateway process.
let fake = try await FakeWhatsAppCloud.start()
fake.script { $0.globalPerSecond = limit }
let process = Process()
process.executableURL = binary
process.arguments = [
    "central", "--data", root.path, "--port", "\(Int.random(in: 33_000...60_000))", "--host", "127.0.0.1", "--api-key",
    "banc-d-essai-passerelle-0123",
]
process.environment = ProcessInfo.processInfo.environment.merging(fake.environment) { $1 }.merging([
    "DJOBEA_NOTIFIER": "whatsapp-cloud", "WHATSAPP_CLOUD_APP_SECRET": "banc-d-essai", "DJOBEA_GATEWAY_RATE": "\(limit)", "LOG_LEVEL": "error",
]) { $1 }
process.standardOutput = FileHandle.nullDevice
let errors = Pipe()
process.standardError = errors
try process.run()

var configuration = Configuration()
configuration.readonly = true
let reader = try DatabaseQueue(path: path, configuration: configuration)
let start = seconds()
var samples: [(Double, Int, Double)] = []
var sent = 0
while sent < count, seconds() - start < 900, process.isRunning {
    try await Task.sleep(for: .seconds(1))
    sent = try reader.read { db in try ActivityTotals.messagesSent(in: db) }
    if let rss = residentMiB(process.processIdentifier) { samples.append((seconds() - start, sent, rss)) }
}
let elapsed = seconds() - start
if !process.isRunning {
    say("Le central s'est arrêté : " + String(decoding: errors.fileHandleForReading.availableData.suffix(2_000), as: UTF8.self))
}
process.terminate()
process.waitUntilExit()

let accepted = fake.accepted
let ours = accepted.compactMap(\.bizOpaqueCallbackData)
let duplicates = ours.count - Set(ours).count
let throttled = fake.requests.count - accepted.count
say(
    String(
        format: "Vidé : %d/%d messages envoyés en %.1f s, soit %.0f messages/s (limite du faux : %d/s)", sent, count, elapsed, Double(sent) / elapsed,
        limit))
say("Réponses 429 du faux (limite dépassée) : \(throttled) ; acceptés : \(accepted.count) ; envoyés deux fois : \(duplicates)")
let rss = samples.map(\.2)
if let first = samples.first, let peak = rss.max() {
    let quarter = samples.filter { $0.1 >= count / 4 }.first?.2 ?? first.2
    let last = samples.last?.2 ?? first.2
    say(
        String(
            format: "Mémoire du central (RSS) : %.1f Mio au départ, %.1f Mio à 25 %%, %.1f Mio à la fin, pic %.1f Mio", first.2, quarter, last, peak))
}
await fake.stop()
exit(sent == count && duplicates == 0 ? 0 : 1)
