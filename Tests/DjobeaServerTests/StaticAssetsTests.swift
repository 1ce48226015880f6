import CBrotli
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import DjobeaServer

/// The provider PWA as the hub serves it: hashed names, immutable caching, strong ETags, gzip once.
@Suite("PWA static assets (web/)")
struct StaticAssetsTests {
    /// The checkout's `web/`, found from this file's path.
    static let webDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("web")

    static func application() throws -> (some ApplicationProtocol, StaticAssets) {
        let assets = try StaticAssets(directory: webDirectory)
        let router = Router(context: NodeRequestContext.self)
        router.add(middleware: APIErrorMiddleware(logger: Logger(label: "test")))
        assets.register(on: router, docs: APIDocumentation(title: "test"))
        return (Application(router: router), assets)
    }

    @Test("the shell's Content-Security-Policy allows its own inline scripts by hash, and no other inline script")
    func inlineScriptsByHash() async throws {
        let page =
            "<html><head><script>window.a = 1;</script><script type=\"module\" src=\"/assets/app.js\"></script></head>"
            + "<body><script>\n  boot();\n</script></body></html>"
        #expect(StaticAsset.inlineScripts(in: page) == ["window.a = 1;", "\n  boot();\n"])
        let policy = StaticAsset.contentSecurityPolicy(html: Data(page.utf8))
        for script in ["window.a = 1;", "\n  boot();\n"] {
            let hash = Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString()
            #expect(policy.contains("'sha256-\(hash)'"), "\(policy)")
        }
        let scriptSource = try #require(policy.split(separator: ";").first { $0.contains("script-src") })
        #expect(!scriptSource.contains("unsafe-inline"))
        let (app, _) = try Self.application()
        try await app.test(.router) { client in
            let root = try await client.execute(uri: "/", method: .get)
            let html = String(buffer: root.body)
            let served = try #require(root.headers[.contentSecurityPolicy])
            for script in StaticAsset.inlineScripts(in: html) {
                let hash = Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString()
                #expect(served.contains("'sha256-\(hash)'"), "the served shell's inline script is allowed")
            }
        }
    }

    @Test("/ serves the shell naming its hashed assets; /app is the same page; both revalidate")
    func shell() async throws {
        let (app, assets) = try Self.application()
        let appURL = try #require(assets.urls["app.js"])
        #expect(appURL.range(of: #"^/assets/app\.[0-9a-f]{10}\.js$"#, options: .regularExpression) != nil, "\(appURL)")
        try await app.test(.router) { client in
            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .ok)
            #expect(root.headers[.contentType] == "text/html; charset=utf-8")
            #expect(root.headers[.cacheControl] == "no-cache")
            #expect(root.headers[.xContentTypeOptions] == "nosniff")
            let html = String(buffer: root.body)
            #expect(html.contains("lang=\"fr\""))
            #expect(html.contains("src=\"\(appURL)\""), "the shell loads the hashed app.js")
            #expect(!html.contains("src=\"app.js\""))
            for module in ["lib/format.js", "lib/api.js", "lib/outbox.js"] {
                let url = try #require(assets.urls[module])
                #expect(html.contains("href=\"\(url)\""), "modulepreload of \(module)")
            }
            let etag = try #require(root.headers[.eTag])
            #expect(!etag.hasPrefix("W/"), "strong ETag")
            let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let app = try await client.execute(uri: "/app", method: .get)
            #expect(String(buffer: app.body) == html)
        }
    }

    @Test("a hashed asset is immutable, strongly tagged, 304 on If-None-Match, gzip when accepted")
    func hashedAsset() async throws {
        let (app, assets) = try Self.application()
        let appURL = try #require(assets.urls["app.js"])
        let formatURL = try #require(assets.urls["lib/format.js"])
        try await app.test(.router) { client in
            let plain = try await client.execute(uri: appURL, method: .get)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(plain.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(plain.headers[.xContentTypeOptions] == "nosniff")
            #expect(plain.headers[.contentEncoding] == nil)
            let source = String(buffer: plain.body)
            #expect(source.contains("'\(formatURL)'"), "imports inside app.js name hashed modules")
            let etag = try #require(plain.headers[.eTag])
            #expect(!etag.hasPrefix("W/"))
            let cached = try await client.execute(uri: appURL, method: .get, headers: [.ifNoneMatch: etag])
            #expect(cached.status == .notModified)

            let gzipped = try await client.execute(uri: appURL, method: .get, headers: [.acceptEncoding: "gzip, deflate"])
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.vary] == "Accept-Encoding")
            #expect(Array(gzipped.body.readableBytesView.prefix(2)) == [0x1f, 0x8b])
            #expect(gzipped.body.readableBytes < plain.body.readableBytes)
            let gzipETag = try #require(gzipped.headers[.eTag])
            #expect(gzipETag != etag, "each representation has its own strong ETag")
            let revalidated = try await client.execute(uri: appURL, method: .get, headers: [.ifNoneMatch: gzipETag, .acceptEncoding: "gzip"])
            #expect(revalidated.status == .notModified)
            let refused = try await client.execute(uri: appURL, method: .get, headers: [.acceptEncoding: "gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil)

            let iconURL = try #require(assets.urls["icons/icon-192.png"])
            let icon = try await client.execute(uri: iconURL, method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(icon.headers[.contentType] == "image/png")
            #expect(icon.headers[.contentEncoding] == nil, "PNG is already compressed")
            #expect(Array(icon.body.readableBytesView.prefix(4)) == [0x89, 0x50, 0x4e, 0x47])
        }
    }

    /// `data` decoded by libbrotlidec, nil when it is not a valid brotli stream.
    static func unbrotli(_ data: [UInt8], expectedSize: Int) -> [UInt8]? {
        var size = expectedSize + 1
        var output = [UInt8](repeating: 0, count: size)
        let result = output.withUnsafeMutableBufferPointer { out in
            data.withUnsafeBufferPointer { input in BrotliDecoderDecompress(input.count, input.baseAddress, &size, out.baseAddress) }
        }
        guard result == BROTLI_DECODER_RESULT_SUCCESS else { return nil }
        return Array(output.prefix(size))
    }

    @Test("brotli (quality 11) when the client names br, preferred over gzip; gzip-only gets gzip; others the plain bytes")
    func brotli() async throws {
        let (app, assets) = try Self.application()
        let appURL = try #require(assets.urls["app.js"])
        try await app.test(.router) { client in
            let plain = try await client.execute(uri: appURL, method: .get)
            let original = Array(plain.body.readableBytesView)
            let etag = try #require(plain.headers[.eTag])
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.vary] == "Accept-Encoding")

            for header in ["br", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "gzip, deflate, br, zstd"] {
                let response = try await client.execute(uri: appURL, method: .get, headers: [.acceptEncoding: header])
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == "br", "\(header)")
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                let compressed = Array(response.body.readableBytesView)
                #expect(compressed.count < original.count)
                #expect(Self.unbrotli(compressed, expectedSize: original.count) == original, "br decodes to the same bytes")
                let brETag = try #require(response.headers[.eTag])
                #expect(brETag != etag && brETag.hasSuffix("-br\""), "\(brETag)")
                let revalidated = try await client.execute(uri: appURL, method: .get, headers: [.ifNoneMatch: brETag, .acceptEncoding: header])
                #expect(revalidated.status == .notModified)
                #expect(revalidated.headers[.eTag] == brETag)
            }
            let gzipped = try await client.execute(uri: appURL, method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.eTag] != etag && gzipped.headers[.eTag]?.hasSuffix("-gz\"") == true)
            let brRefused = try await client.execute(uri: appURL, method: .get, headers: [.acceptEncoding: "gzip, br;q=0"])
            #expect(brRefused.headers[.contentEncoding] == "gzip")
            for header in ["identity", "deflate", "*;q=0", "brotli"] {
                let response = try await client.execute(uri: appURL, method: .get, headers: [.acceptEncoding: header])
                #expect(response.headers[.contentEncoding] == nil, "\(header)")
                #expect(Array(response.body.readableBytesView) == original)
                #expect(response.headers[.eTag] == etag)
            }
            // The shell too: brotli, and it decodes to the page.
            let shell = try await client.execute(uri: "/", method: .get, headers: [.acceptEncoding: "br"])
            let page = try await client.execute(uri: "/", method: .get)
            #expect(shell.headers[.contentEncoding] == "br")
            let pageBytes = Array(page.body.readableBytesView)
            #expect(Self.unbrotli(Array(shell.body.readableBytesView), expectedSize: pageBytes.count) == pageBytes)
            // A PNG is never recompressed.
            let iconURL = try #require(assets.urls["icons/icon-192.png"])
            let icon = try await client.execute(uri: iconURL, method: .get, headers: [.acceptEncoding: "br, gzip"])
            #expect(icon.headers[.contentEncoding] == nil)
        }
    }

    @Test("an unknown or stale asset name is a JSON 404")
    func unknownAsset() async throws {
        let (app, _) = try Self.application()
        try await app.test(.router) { client in
            for uri in ["/assets/app.0000000000.js", "/assets/app.js", "/assets/..%2Fsw.js"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: response.body))
                #expect(body.error.code == "not_found")
            }
        }
    }

    @Test("the manifest is valid JSON with what installability needs, icons at hashed URLs")
    func manifest() async throws {
        let (app, assets) = try Self.application()
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/manifest.webmanifest", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/manifest+json; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            for field in ["name", "short_name", "start_url", "display", "theme_color", "background_color", "icons", "lang"] {
                #expect(json[field] != nil, "manifest.\(field)")
            }
            #expect(json["display"] as? String == "standalone")
            #expect(json["lang"] as? String == "fr")
            let icons = try #require(json["icons"] as? [[String: String]])
            let sizes = Set(icons.compactMap { $0["sizes"] })
            #expect(sizes.isSuperset(of: ["192x192", "512x512"]))
            for icon in icons {
                let src = try #require(icon["src"])
                #expect(assets.urls.values.contains(src), "icon \(src) is a hashed asset")
                let png = try await client.execute(uri: src, method: .get)
                #expect(png.status == .ok)
            }
        }
    }

    @Test("sw.js is unhashed, revalidated, and lists this build's hashed assets and version")
    func serviceWorker() async throws {
        let (app, assets) = try Self.application()
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/sw.js", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache")
            let source = String(buffer: response.body)
            #expect(source.contains("version: \"\(assets.version)\""))
            for url in assets.urls.values { #expect(source.contains("\"\(url)\""), "sw.js precaches \(url)") }
            #expect(!source.contains("version: 'dev'"))
        }
    }

    @Test("references are rewritten after their targets are hashed, and a changed module changes its importers' names")
    func hashingOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tests"), withIntermediateDirectories: true)
        func write(_ path: String, _ text: String) throws {
            try Data(text.utf8).write(to: directory.appendingPathComponent(path))
        }
        try write("index.html", "<script type=\"module\" src=\"app.js\"></script>")
        try write("app.js", "import { a } from './lib/a.js';\n")
        try write("lib/a.js", "import { b } from './b.js';\nexport const a = 1;\n")
        try write("lib/b.js", "export const b = 1;\n")
        try write("tests/a.test.js", "not served")
        try write("sw.js", "const MANIFEST = { version: 'dev', assets: [] };\n")
        let first = try StaticAssets(directory: directory)
        #expect(first.urls.keys.sorted() == ["app.js", "lib/a.js", "lib/b.js"])
        #expect(first.hashed.keys.allSatisfy { !$0.contains("test") })
        let b = try #require(first.urls["lib/b.js"])
        let aURL = try #require(first.urls["lib/a.js"])
        let a = try #require(first.hashed[String(aURL.dropFirst("/assets/".count))])
        #expect(String(buffer: a.body).contains("'\(b)'"))

        try write("lib/b.js", "export const b = 2;\n")
        let second = try StaticAssets(directory: directory)
        for path in ["app.js", "lib/a.js", "lib/b.js"] { #expect(first.urls[path] != second.urls[path], "\(path) renamed") }
        #expect(first.version != second.version)
    }

    /// Measured on this increment: 12 726 bytes gzip (index.html ≈ 3.2 KB with its CSS inline, app.js ≈ 2.2 KB, the four lib
    /// modules ≈ 7.3 KB); the budget is 60 KB before the app is usable.
    @Test("first load (shell + scripts, gzip) stays far under the 60 KB budget")
    func firstLoadBudget() throws {
        let assets = try StaticAssets(directory: Self.webDirectory)
        print("PWA first load: \(assets.firstLoadBytes) bytes gzip (shell + app.js + modules)")
        #expect(assets.firstLoadBytes < 60 * 1024)
        // What counts: the shell's scripts and preloads and their static imports; not the screens loaded by import().
        let counted = Set(assets.firstLoadAssets.map(\.digest))
        for source in ["app.js", "lib/format.js", "lib/api.js"] {
            let name = try #require(assets.urls[source].map { String($0.dropFirst("/assets/".count)) })
            #expect(assets.hashed[name].map { counted.contains($0.digest) } == true, "\(source) is part of the first load")
        }
        if let finances = assets.urls["screens/finances.js"].flatMap({ assets.hashed[String($0.dropFirst("/assets/".count))] }) {
            #expect(!counted.contains(finances.digest), "a screen loaded on demand is not")
        }
    }

    @Test("a hub's router serves the app when web/ is found, and documents its routes")
    func mountedOnHubs() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.router) { client in
            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .ok)
            #expect(String(buffer: root.body).contains("Djobea"))
            let document = try await client.execute(uri: "/openapi.json", method: .get)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: document.body)) as? [String: Any]
            let paths = try #require(json?["paths"] as? [String: Any])
            for path in ["/", "/app", "/sw.js", "/manifest.webmanifest", "/assets/{file}"] { #expect(paths[path] != nil, "\(path) documented") }
        }
    }

    @Test("every file of web/ (tests aside) is compiled into the binary, byte for byte, and makes the same app")
    func embeddedCopyMatchesTheCheckout() throws {
        let onDisk = try StaticAssets.sourceFiles(in: Self.webDirectory)
        let embedded = StaticAssets.embeddedFiles()
        let missing = Set(onDisk.keys).subtracting(embedded.keys).sorted()
        let extra = Set(embedded.keys).subtracting(onDisk.keys).sorted()
        #expect(missing.isEmpty, "in web/ but not in the binary (build again): \(missing)")
        #expect(extra.isEmpty, "in the binary but no longer in web/ (build again): \(extra)")
        let stale = onDisk.keys.filter { embedded[$0] != nil && embedded[$0] != onDisk[$0] }.sorted()
        #expect(stale.isEmpty, "changed in web/ since the binary was built: \(stale)")
        #expect(embedded.keys.contains("index.html") && embedded.keys.contains("sw.js") && !embedded.keys.contains { $0.hasPrefix("tests/") })
        let fromBinary = try StaticAssets.embedded()
        #expect(fromBinary.directory == nil && fromBinary.origin == "intégrée au binaire")
        #expect(fromBinary.version == (try StaticAssets(directory: Self.webDirectory)).version)
    }

    @Test("the web directory is found from the environment or by walking up; absent, none")
    func locate() throws {
        let fromEnvironment = WebDirectory.locate(environment: ["DJOBEA_WEB_DIR": Self.webDirectory.path], executable: nil)
        #expect(fromEnvironment?.standardizedFileURL == Self.webDirectory.standardizedFileURL)
        let deep = Self.webDirectory.deletingLastPathComponent().appendingPathComponent(".build/debug/djobea")
        #expect(WebDirectory.locate(environment: [:], executable: deep, currentDirectory: URL(fileURLWithPath: "/")) != nil)
        #expect(WebDirectory.locate(environment: ["DJOBEA_WEB_DIR": "/nonexistent"], executable: deep) == nil)
        #expect(WebDirectory.locate(environment: [:], executable: nil, currentDirectory: URL(fileURLWithPath: "/")) == nil)
    }
}
