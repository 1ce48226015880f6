import AsyncHTTPClient
import DjobeaTestSupport
import Foundation
import HummingbirdTLS
import NIOCore
import Testing

@testable import DjobeaServer

/// `--tls-cert` / `--tls-key`: the real binary serves HTTPS with the given certificate, and refuses bad files clearly.
@Suite("HTTPS on the hub", .serialized)
struct TLSTests {
    /// A self-signed P-256 certificate for localhost (and 127.0.0.1) made by openssl in `directory`.
    static func selfSigned(in directory: URL, name: String = "hub") throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("\(name).pem").path
        let key = directory.appendingPathComponent("\(name)-key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0, "openssl req failed")
        return (certificate, key)
    }

    @Test("djobea hub --tls-cert --tls-key serves /healthz over HTTPS with that certificate, for localhost")
    func hubServesHTTPS() async throws {
        let directory = try temporaryDirectory("djobea-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.selfSigned(in: directory)
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let port = try freePort()
        let hub = try ChildProcess([
            "hub", "--data", data.path, "--port", "\(port)", "--host", "127.0.0.1", "--tls-cert", files.certificate, "--tls-key", files.key,
        ])
        defer { hub.kill(SIGTERM) }
        let ready = await hub.waitForLine(timeout: 180) { $0.contains("à l'écoute sur") }
        #expect(ready?.contains("https://127.0.0.1:\(port)") == true, "\(ready ?? "no line"): \(hub.errorText)")

        // Trust only this certificate, with full verification of the name "localhost": the served certificate must be
        // exactly the one given, and valid for localhost.
        let served = try NIOSSLCertificate.fromPEMFile(files.certificate)
        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(served)
        trusting.certificateVerification = .fullVerification
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: trusting))
        // The system's roots do not know a self-signed certificate: the connection is refused.
        let strict = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var request = HTTPClientRequest(url: "https://localhost:\(port)/healthz")
            request.method = .GET
            let response = try await client.execute(request, timeout: .seconds(20))
            #expect(response.status == .ok)
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(String(buffer: body).contains("\"status\""))
            await #expect(throws: (any Error).self) { _ = try await strict.execute(request, timeout: .seconds(20)) }
            // Plain HTTP to the TLS port gets no HTTP answer.
            var plain = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
            plain.method = .GET
            let plainStatus = try? await client.execute(plain, timeout: .seconds(5)).status
            #expect(plainStatus != .ok)
        } catch {
            Issue.record("HTTPS request failed: \(error)")
        }
        try await client.shutdown()
        try await strict.shutdown()
    }

    @Test("a missing file, a file that is not PEM, a key of another certificate, or half the pair: a French line and a non-zero exit")
    func badFilesAreRefused() async throws {
        let directory = try temporaryDirectory("djobea-tls-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.selfSigned(in: directory)
        let other = try Self.selfSigned(in: directory, name: "other")
        let garbage = directory.appendingPathComponent("garbage.pem")
        try Data("ceci n'est pas un certificat\n".utf8).write(to: garbage)
        let missing = directory.appendingPathComponent("absent.pem").path
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["--tls-cert", missing, "--tls-key", files.key], "introuvable"),
            (["--tls-cert", files.certificate, "--tls-key", missing], "introuvable"),
            (["--tls-cert", garbage.path, "--tls-key", files.key], "Certificat TLS illisible"),
            (["--tls-cert", files.certificate, "--tls-key", garbage.path], "Clé privée TLS illisible"),
            (["--tls-cert", files.key, "--tls-key", files.certificate], "illisible"),
            (["--tls-cert", files.certificate, "--tls-key", other.key], "refusés ensemble"),
            (["--tls-cert", files.certificate], "--tls-key"),
            (["--tls-key", files.key], "--tls-cert"),
        ]
        for (options, expected) in cases {
            let result = try await runDjobea(
                ["hub", "--data", data.path, "--port", "\(try freePort())", "--host", "127.0.0.1"] + options, timeout: 60)
            #expect(result.status != 0, "\(options)")
            #expect(result.err.contains(expected), "\(options): \(result.err)")
            #expect(!result.err.contains("Fatal error"), "\(options): \(result.err)")
        }
    }

    @Test("ServerTLS loads a chain and key, and names the files it refuses")
    func loader() throws {
        let directory = try temporaryDirectory("djobea-tls-load")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.selfSigned(in: directory)
        let tls = try ServerTLS.load(certificatePath: files.certificate, keyPath: files.key)
        #expect(tls.certificates.count == 1)
        #expect(ServerSettings(port: 1, role: .hub, tls: tls).scheme == "https")
        #expect(ServerSettings(port: 1, role: .hub).scheme == "http")
        let error = try #require(throws: ServerTLSError.self) { try ServerTLS.load(certificatePath: "/nonexistent/cert.pem", keyPath: files.key) }
        #expect(error.description == "Fichier de certificat TLS (--tls-cert) introuvable : /nonexistent/cert.pem")
    }
}
