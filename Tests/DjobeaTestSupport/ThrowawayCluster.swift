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
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        let status = try spawnAndWait(["/bin/bash", script] + arguments, output: outputFile.path, error: errorFile.path)
        let data = (try? Data(contentsOf: outputFile)) ?? Data()
        guard status == 0 else {
            let message = (try? Data(contentsOf: errorFile)) ?? Data()
            throw ThrowawayClusterError(description: "pg-cluster.sh \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `command` with standard input from /dev/null and its output in two files, and reaps it; returns its wait
    /// status. posix_spawn and waitpid rather than Foundation's `Process`: `waitUntilExit` on Linux waits for a
    /// descriptor the started server inherits, and reaping a `Process`'s child behind its back left Foundation's
    /// dispatch source for it to a freed process: the PostgreSQL suites' process crashed in `_dispatch_event_loop_drain`
    /// (twice in many runs).
    private static func spawnAndWait(_ command: [String], output: String, error: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, error, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw ThrowawayClusterError(description: "posix_spawn \(command[0]) : \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return status
    }
}

struct ThrowawayClusterError: Error, CustomStringConvertible {
    let description: String
}
