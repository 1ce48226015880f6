import Foundation

// djobea-bench: the benchmark and robustness verbs, kept out of the production `djobea` binary.
//   djobea-bench [--scale 10] [--samples 3000] [--writes 20000]   the foundation's figures (FoundationBench)
//   djobea-bench bench-writes --data DIR --kind messages|status|photo --count N   hub writes for scripts/bench-sync-3g.sh
//   djobea-bench write-burst --data DIR [--count N]   acknowledged money writes, for CrashSafetyTests

/// A failure of a verb, printed as one line on stderr with a non-zero exit.
struct BenchFailure: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

/// The integer after `name` on the command line, or `fallback`.
func option(_ name: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
        return fallback
    }
    return value
}

/// The value after `name` on the command line; a missing one stops the verb.
func requiredOption(_ name: String) throws -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { throw BenchFailure("\(name) manquant") }
    return arguments[index + 1]
}

/// Prints one line to stdout unbuffered, so a supervising process (or test) sees it at once.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

do {
    switch CommandLine.arguments.dropFirst().first {
    case "bench-writes":
        guard let count = Int(try requiredOption("--count")) else { throw BenchFailure("--count doit être un entier") }
        try await BenchWrites.run(data: try requiredOption("--data"), kind: try requiredOption("--kind"), count: count)
    case "write-burst":
        try WriteBurst.run(data: try requiredOption("--data"), count: option("--count", 1_000_000))
    default:
        try await FoundationBench.run()
    }
} catch let failure as BenchFailure {
    FileHandle.standardError.write(Data("djobea-bench: \(failure.message)\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("djobea-bench: \(error)\n".utf8))
    exit(1)
}
