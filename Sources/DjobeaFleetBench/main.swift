import DjobeaStore
import Foundation
import Logging

// djobea-fleet-bench: N simulated hubs against one central (SQLite or PostgreSQL), in-process. See FleetReport.header.
//
//   djobea-fleet-bench [--hubs 50,200,500] [--backends sqlite,postgres] [--duration 60] [--warmup 20] [--interval 10]
//                      [--pg-connections 8] [--output test-output/fleet-bench.json] [--full-initial-pull yes|no]

var options = FleetOptions()
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    guard let value = arguments.next() else { fatalError("valeur manquante après \(argument)") }
    switch argument {
    case "--hubs": options.hubs = value.split(separator: ",").compactMap { Int($0) }
    case "--backends": options.backends = value.split(separator: ",").compactMap { FleetBackend(rawValue: String($0)) }
    case "--duration": options.duration = Double(value) ?? options.duration
    case "--warmup": options.warmup = Double(value) ?? options.warmup
    case "--interval": options.interval = Double(value) ?? options.interval
    case "--pg-connections": options.connections = Int(value) ?? options.connections
    case "--output": options.output = value
    case "--seed": options.seed = UInt64(value) ?? options.seed
    case "--full-initial-pull": options.fullInitialPull = value == "yes"
    default: fatalError("option inconnue : \(argument)")
    }
}

var logger = Logger(label: "djobea.fleet-bench")
logger.logLevel = .error

// The schema version the hubs announce: that of a fresh SQLite node.
let probeDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-fleet-probe-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: probeDirectory, withIntermediateDirectories: true)
let schemaVersion = try NodeDatabase.open(path: probeDirectory.appendingPathComponent("probe.sqlite").path, role: .hub).schemaVersion()
try? FileManager.default.removeItem(at: probeDirectory)

let header = FleetReport.header(options, schemaVersion: schemaVersion)
print(header)
var results: [FleetResult] = []
for hubs in options.hubs {
    for backend in options.backends {
        FileHandle.standardError.write(Data("→ \(backend.rawValue), \(hubs) hubs\n".utf8))
        do {
            let result = try await FleetRun(options: options, backend: backend, hubCount: hubs, schemaVersion: schemaVersion, logger: logger).run()
            results.append(result)
            FileHandle.standardError.write(Data((FleetReport.table([result]) + "\n").utf8))
            if !result.errors.isEmpty { FileHandle.standardError.write(Data("  erreurs : \(result.errors)\n".utf8)) }
            try FleetReport.write(results, options: options, header: header)
        } catch {
            FileHandle.standardError.write(Data("  échec : \(error)\n".utf8))
        }
    }
}
print("")
print(FleetReport.table(results))
print("")
print(FleetReport.reading(results))
for result in results where !result.errors.isEmpty || result.drainFailures > 0 || result.quarantined > 0 {
    print(
        "\(result.backend) \(result.hubs) : erreurs \(result.errors), échecs à la vidange \(result.drainFailures), mis en quarantaine \(result.quarantined)"
    )
}
try FleetReport.write(results, options: options, header: header)
print("JSON : \(options.output)")
