import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaServer

/// The hub as an appliance: the `djobea` binary alone on a machine, no checkout, no `web/` beside it.
@Suite("djobea as one file", .serialized)
struct SelfContainedBinaryTests {
    @Test(
        "the binary with the Swift runtime linked in (ldd: none of its libraries), copied alone into an empty directory, makes its data directory and serves the app (French, manifest, service worker) and the API"
    )
    func aloneInAnEmptyDirectory() async throws {
        let root = try temporaryDirectory("djobea-alone")
        defer { try? FileManager.default.removeItem(at: root) }
        let binary = root.appendingPathComponent("bin/djobea")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Self.linkSelfContained(to: binary)
        // The Swift runtime and Foundation are inside: only Debian's base system, SQLite, zlib and brotli are asked for.
        let libraries = try Self.sharedLibraries(of: binary)
        #expect(!libraries.isEmpty)
        let runtime = libraries.filter { $0.hasPrefix("libswift") || $0.hasPrefix("libFoundation") || $0.hasPrefix("lib_Foundation") }
        #expect(runtime.isEmpty, "no Swift runtime library: \(runtime)")
        let allowed = try Self.allowedLibraries()
        let foreign = libraries.filter { $0.wholeMatch(of: allowed) == nil }
        #expect(foreign.isEmpty, "libraries outside Debian's base system + libsqlite3-0, libssl3, zlib1g, libbrotli1: \(foreign)")
        let workingDirectory = root.appendingPathComponent("run", isDirectory: true)
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        let data = root.appendingPathComponent("var/djobea/hub", isDirectory: true)
        // Nothing on disk the binary could serve instead of its own copy.
        #expect(try FileManager.default.contentsOfDirectory(atPath: binary.deletingLastPathComponent().path) == ["djobea"])
        #expect(WebDirectory.locate(environment: [:], executable: binary, currentDirectory: workingDirectory) == nil)

        let port = try freePort()
        let base = "http://127.0.0.1:\(port)"
        let hub = try ChildProcess(
            ["hub", "--data", data.path, "--port", "\(port)", "--host", "127.0.0.1"], executable: binary, currentDirectory: workingDirectory,
            unsetting: [WebDirectory.environmentKey])
        defer { hub.kill(SIGTERM) }
        let app = await hub.waitForLine(timeout: 180) { $0.hasPrefix("Application prestataire") }
        #expect(app?.contains("intégrée au binaire") == true, "\(hub.outputLines) \(hub.errorText.suffix(400))")
        #expect(hub.outputLines.contains { $0.hasPrefix("Nouveau hub : base créée dans \(data.path)") }, "\(hub.outputLines)")
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("djobea.sqlite").path))

        let shell = try await httpGet(base + "/")
        let html = String(decoding: shell.body, as: UTF8.self)
        #expect(shell.status == 200 && shell.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(html.contains("<html lang=\"fr\">") && html.contains("Espace prestataire Djobea"), "\(html.prefix(300))")
        #expect(shell.headers["cache-control"] == "no-cache" && shell.headers["content-security-policy"] != nil)

        let manifest = try await httpGet(base + "/manifest.webmanifest")
        let fields = try JSONSerialization.jsonObject(with: manifest.body) as? [String: Any]
        #expect(manifest.status == 200 && fields?["lang"] as? String == "fr" && fields?["start_url"] as? String == "/app")

        let worker = try await httpGet(base + "/sw.js")
        let script = String(decoding: worker.body, as: UTF8.self)
        #expect(worker.status == 200 && script.contains("const MANIFEST = { version: \""), "\(script.prefix(300))")

        // A hashed asset the shell names, immutable.
        let asset = try #require(html.firstMatch(of: /\/assets\/app\.[0-9a-f]{10}\.js/).map { String($0.output) })
        let module = try await httpGet(base + asset)
        #expect(module.status == 200 && module.headers["cache-control"]?.contains("immutable") == true)

        let health = try await httpGet(base + "/healthz")
        let node = try JSONSerialization.jsonObject(with: health.body) as? [String: Any]
        #expect(health.status == 200 && node?["status"] as? String == "ok" && node?["role"] as? String == "hub", "\(node ?? [:])")
        #expect(node?["schema_version"] as? Int == NodeDatabase.latestSchemaVersion)

        // The second start finds its database: not announced as new.
        hub.kill(SIGTERM)
        let again = try ChildProcess(
            ["hub", "--data", data.path, "--port", "\(port)", "--host", "127.0.0.1"], executable: binary, currentDirectory: workingDirectory,
            unsetting: [WebDirectory.environmentKey])
        defer { again.kill(SIGTERM) }
        #expect(await again.waitForLine(timeout: 180) { $0.contains("à l'écoute") } != nil, "\(again.errorText.suffix(400))")
        #expect(!again.outputLines.contains { $0.hasPrefix("Nouveau hub") }, "\(again.outputLines)")
    }

    /// The `ldd` allow-list of `scripts/release.sh` (its `allowed='…'` line), so that the test and the release accept
    /// the same libraries.
    static func allowedLibraries() throws -> Regex<AnyRegexOutput> {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/release.sh")
        let line = try #require(
            try String(contentsOf: script, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("allowed='") }, "allowed= in release.sh")
        return try Regex(String(line.dropFirst("allowed='".count).dropLast()))
    }

    /// The names `ldd` lists for `binary`.
    static func sharedLibraries(of binary: URL) throws -> [String] {
        let ldd = try DocumentReaders.run("/usr/bin/ldd", [binary.path])
        #expect(ldd.status == 0, "\(ldd.err)")
        return ldd.out.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map { String($0).components(separatedBy: "/").last ?? String($0) }
        }
    }

    /// Writes a `djobea` linked as `scripts/release.sh` links it (`--static-swift-stdlib`, `--no-export-dynamic`) to
    /// `output`. `DJOBEA_BIN` (a release binary) is copied as it is; otherwise the test build's own objects are linked
    /// again with the static runtime, by the link command SwiftPM recorded in `.build/debug.yaml`, which takes seconds
    /// where a second full build with `--static-swift-stdlib` would take minutes.
    static func linkSelfContained(to output: URL) throws {
        if ProcessInfo.processInfo.environment["DJOBEA_BIN"] != nil {
            try FileManager.default.copyItem(at: DjobeaBinary.url, to: output)
            return
        }
        let debug = DjobeaBinary.url.resolvingSymlinksInPath().deletingLastPathComponent()
        let manifest = debug.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("debug.yaml")
        let lines = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let description = "description: \"Linking ./.build/\(debug.deletingLastPathComponent().lastPathComponent)/debug/djobea\""
        let at = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == description }, "\(description) in \(manifest.path)")
        let argsLine = try #require(lines[at + 1].split(separator: "args: ", maxSplits: 1).last)
        var arguments = try JSONDecoder().decode([String].self, from: Data(argsLine.utf8))
        let o = try #require(arguments.firstIndex(of: "-o"))
        arguments[o + 1] = output.path
        // The objects were compiled against the shared Foundation, whose modules name fewer libraries than the static
        // one needs: name them all, twice, since static archives are searched in order.
        let foundation = [
            "-lFoundationNetworking", "-lFoundationXML", "-lFoundation", "-lFoundationInternationalization", "-lFoundationEssentials",
            "-lCoreFoundation", "-l_CFURLSessionInterface", "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims",
        ]
        arguments += ["-static-stdlib"] + foundation + foundation + ["-Xlinker", "--no-export-dynamic"]
        let link = try DocumentReaders.run(arguments[0], Array(arguments.dropFirst()))
        #expect(link.status == 0, "static link failed: \(link.err.suffix(2000))")
    }

    @Test("djobea --version prints the release, the sync protocol and the schema versions")
    func version() async throws {
        let result = try await runDjobea(["--version"], timeout: 30)
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "djobea \(DjobeaRelease.version)", "protocole de synchronisation \(syncProtocolVersion)",
                "schéma SQLite \(NodeDatabase.latestSchemaVersion), schéma PostgreSQL \(DjobeaRelease.postgresSchemaVersion)",
            ], "\(result.out)")
        #expect(DjobeaRelease.version.split(separator: ".").count == 3 && DjobeaRelease.version.split(separator: ".").allSatisfy { Int($0) != nil })
    }
}
