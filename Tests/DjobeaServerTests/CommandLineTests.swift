import DjobeaTestSupport
import Foundation
import Testing

/// The `djobea` command as an operator meets it: bad input gets one clear line and a non-zero exit.
@Suite("djobea command line", .serialized)
struct CommandLineTests {
    @Test("a bad flag, a bad port and a missing data directory each give one line and a non-zero exit, naming commands that exist")
    func badInvocations() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString)").path
        let cases: [([String], String)] = [
            (["hub", "--data", missing, "--port", "8080", "--frobnicate"], "frobnicate"),
            (["hub", "--data", missing, "--port", "99999"], "--port"),
            (["hub", "--data", missing, "--port", "douze"], "douze"),
            (["hub", "--data", missing, "--enroll", "djh1_x"], "--central"),
            (["backup", "--data", missing, "--to", "/tmp/x.sqlite"], "« djobea migrate --data \(missing) »"),
            (["status", "--data", missing], "« djobea migrate --data \(missing) »"),
            (["sync", "--once", "--data", missing], "« djobea sync --once --data \(missing) --central"),
            (["sync", "--data", missing], "--once"),
            (["migrate"], "--data"),
            (["nimportequoi"], "nimportequoi"),
        ]
        let help = try await runDjobea(["--help"], timeout: 30).out
        for (arguments, expected) in cases {
            let result = try await runDjobea(arguments, timeout: 30)
            #expect(result.status != 0, "\(arguments) should fail")
            let lines = result.err.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments) should print exactly one line, got: \(result.err)")
            #expect(result.err.contains(expected), "\(arguments): \(result.err)")
            #expect(!result.err.contains("Fatal error") && !result.err.contains("Stack"))
            // Every command the message suggests is one of djobea's, and every option it names is one that command takes.
            for suggestion in result.err.matches(of: /« djobea ([a-z-]+)([^»]*)»/) {
                let verb = String(suggestion.output.1)
                #expect(help.contains("  \(verb) "), "\(arguments) suggests « djobea \(verb) », not a command: \(result.err)")
                let verbHelp = try await runDjobea([verb, "--help"], timeout: 30).out
                for option in String(suggestion.output.2).matches(of: /--[a-z-]+/) {
                    #expect(verbHelp.contains(String(option.output)), "\(arguments) suggests \(option.output) for \(verb): \(result.err)")
                }
            }
        }
    }

    @Test("the production binary ships no benchmark or test verb: they live in djobea-bench")
    func noBenchVerbs() async throws {
        let help = try await runDjobea(["--help"], timeout: 30)
        #expect(help.status == 0)
        for verb in ["hub", "central", "demo", "sync"] { #expect(help.out.contains(verb), "\(verb) in: \(help.out)") }
        for verb in ["write-burst", "bench-writes"] {
            #expect(!help.out.contains(verb), "\(verb) in: \(help.out)")
            let result = try await runDjobea([verb], timeout: 30)
            #expect(result.status != 0 && result.err.contains(verb), "\(verb): \(result.err)")
        }
    }

    @Test(
        "as root, a data directory that belongs to the service user is refused with the command to run as that user, and nothing is created",
        .enabled(if: geteuid() == 0))
    func rootOnServiceDirectory() async throws {
        let directory = try temporaryDirectory("cli-owned")
        defer { try? FileManager.default.removeItem(at: directory) }
        // 65534 is "nobody" on Debian: any owner but root stands for the djobea user here.
        try FileManager.default.setAttributes([.ownerAccountID: 65534, .groupOwnerAccountID: 65534], ofItemAtPath: directory.path)
        for arguments in [
            ["migrate", "--data", directory.path], ["sync", "--once", "--data", directory.path], ["doctor", "--data", directory.path],
        ] {
            let result = try await runDjobea(arguments, timeout: 60)
            #expect(result.status == 1, "\(arguments): \(result.out)")
            #expect(result.err.split(separator: "\n").count == 1, "\(arguments): \(result.err)")
            #expect(result.err.contains("Lancé en root sur \(directory.path)") && result.err.contains("« sudo -u "), "\(arguments): \(result.err)")
            #expect(result.err.contains(" \(arguments[0]) "), "the same command is suggested: \(result.err)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing written as root")
    }

    @Test("a port in use and a data directory already locked by a running hub are refused clearly")
    func portInUseAndLockedDirectory() async throws {
        let directory = try temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let migrated = try await runDjobea(["migrate", "--data", directory.path])
        #expect(migrated.status == 0, "\(migrated.err)")
        let port = try freePort()
        let hub = try ChildProcess(["hub", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"])
        defer { hub.kill(SIGTERM) }
        let ready = await hub.waitForLine(timeout: 120) { $0.contains("à l'écoute") }
        #expect(ready != nil, "hub did not start: \(hub.errorText)")

        let locked = try await runDjobea(["hub", "--data", directory.path, "--port", "\(try freePort())"], timeout: 120)
        #expect(locked.status == 1)
        #expect(locked.err.contains("verrouillé") || locked.err.contains("déjà utilisé"), "\(locked.err)")
        #expect(locked.err.split(separator: "\n").count == 1)

        let other = try temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: other) }
        _ = try await runDjobea(["migrate", "--data", other.path])
        let busy = try await runDjobea(["hub", "--data", other.path, "--port", "\(port)", "--host", "127.0.0.1"], timeout: 120)
        #expect(busy.status == 1)
        #expect(busy.err.contains("Port déjà utilisé"), "\(busy.err)")
        #expect(busy.err.split(separator: "\n").count == 1, "\(busy.err)")

        let health = try await httpGet("http://127.0.0.1:\(port)/healthz")
        #expect(health.status == 200)
    }

    @Test("backup while the hub runs, then restore into a stopped node")
    func backupAndRestoreCommands() async throws {
        let directory = try temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await runDjobea(["migrate", "--data", directory.path])
        let port = try freePort()
        let hub = try ChildProcess(["hub", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"])
        _ = await hub.waitForLine(timeout: 120) { $0.contains("à l'écoute") }
        let backupFile = directory.appendingPathComponent("sauvegarde.sqlite").path
        let backup = try await runDjobea(["backup", "--data", directory.path, "--to", backupFile])
        #expect(backup.status == 0, "\(backup.err)")
        #expect(backup.out.contains("intégrité ok"))
        let again = try await runDjobea(["backup", "--data", directory.path, "--to", backupFile])
        #expect(again.status == 1 && again.err.contains("existe déjà"))
        let whileRunning = try await runDjobea(["restore", "--data", directory.path, "--from", backupFile])
        #expect(whileRunning.status == 1, "restore must refuse a running node")
        hub.kill(SIGTERM)
        let restore = try await runDjobea(["restore", "--data", directory.path, "--from", backupFile])
        #expect(restore.status == 0, "\(restore.err)")
        #expect(restore.out.contains("Nouvel identifiant d'origine"))
    }
}
