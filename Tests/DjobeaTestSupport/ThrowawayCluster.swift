import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster of a test's own (scripts/pg-cluster.sh), for what the shared cluster cannot do: stopping the
/// server under a running central and starting it again.
public final class ThrowawayCluster: Sendable {
    public let directory: URL
    /// `postgresql://djobea@127.0.0.1:PORT/postgres`.
    public let url: String

    private static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/pg-cluster.sh").path
    }

    /// Makes and starts a cluster in a fresh temporary directory.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-pg-\(UUID().uuidString.prefix(8))")
        url = try Self.run("start", directory.path).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once, as a crash would (connections drop, new ones are refused).
    public func pause() throws { _ = try Self.run("pause", directory.path) }

    /// Starts it again on the same port.
    public func resume() throws { _ = try Self.run("resume", directory.path) }

    /// Stops it and removes its directory.
    public func remove() { _ = try? Self.run("stop", directory.path) }

    @discardableResult
    private static func run(_ arguments: String...) throws -> String {
        // Files, not pipes: the server the script starts inherits the script's descriptors, and a pipe's end held by
        // it would never reach end-of-file.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("pg-cluster-\(UUID().uuidString).out")
        let errorFile = outputFile.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        // Reaped here rather than by `waitUntilExit`, which on Linux waits for a descriptor the started server inherits.
        var status: Int32 = 0
        while waitpid(process.processIdentifier, &status, 0) == -1, errno == EINTR {}
        let data = (try? Data(contentsOf: outputFile)) ?? Data()
        guard status == 0 else {
            let message = (try? Data(contentsOf: errorFile)) ?? Data()
            throw ThrowawayClusterError(description: "pg-cluster.sh \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct ThrowawayClusterError: Error, CustomStringConvertible {
    let description: String
}
