import Crypto
import DjobeaWebAssets
import Foundation
import Logging
import NIOCore
import Synchronization

/// The provider PWA as a hub serves it, prepared once at startup from `web/`: the copy compiled into the binary
/// (`EmbeddedWeb`), or a directory on disk for development (`WebDirectory`).
///
/// Every file but the three entry points (`index.html`, `sw.js`, `manifest.webmanifest`) is renamed by its content hash
/// (`app.js` → `/assets/app.3f2a1c9e0b.js`) and cached forever by browsers; the entry points are rewritten to name the
/// hashed files and are revalidated on each visit (a 304 costs a few bytes). Each file is compressed once here, with gzip
/// and with brotli at quality 11 (the system's libbrotlienc, see the `CBrotli` target); a client naming `br` gets brotli.
public struct StaticAssets: Sendable {
    /// `index.html`, answered at `/` and `/app`.
    let shell: StaticAsset
    /// `/sw.js` and `/manifest.webmanifest`.
    let entryPoints: [String: StaticAsset]
    /// Hashed assets by file name (`app.3f2a1c9e0b.js`), served under `/assets/`.
    let hashed: [String: StaticAsset]
    /// Source path (`lib/format.js`) → URL (`/assets/lib-format.3f2a1c9e0b.js`).
    public let urls: [String: String]
    /// A version of the whole shell: changes whenever any served byte does.
    public let version: String
    /// The directory read, nil for the copy compiled into the binary.
    public let directory: URL?

    static let entryPointNames = ["index.html", "sw.js", "manifest.webmanifest"]
    /// Directories of `web/` that are not served (unit tests, tooling).
    static let skippedDirectories: Set<String> = ["tests", "node_modules"]
    /// The line of `sw.js` the hub replaces with the list of hashed assets.
    static let serviceWorkerManifestPrefix = "const MANIFEST = "
    /// Hex characters of the content hash in a hashed file name.
    static let hashLength = 10

    /// Reads, hashes, rewrites and compresses every file of `directory`.
    public init(directory: URL) throws {
        try self.init(files: Self.sourceFiles(in: directory), directory: directory)
    }

    /// The copy of `web/` compiled into the binary, prepared as a directory would be.
    public static func embedded() throws -> StaticAssets {
        try StaticAssets(files: embeddedFiles(), directory: nil)
    }

    /// The files compiled into the binary: path under `web/` → bytes (what `sourceFiles(in:)` reads from the checkout).
    static func embeddedFiles() -> [String: Data] {
        EmbeddedWeb.files()
    }

    /// Hashes, rewrites and compresses `files` (path under `web/` → bytes), read from `directory` if any.
    init(files: [String: Data], directory: URL?) throws {
        self.directory = directory
        let assetPaths = files.keys.filter {
            !Self.entryPointNames.contains($0) && StaticAsset.contentType(ofExtension: Self.pathExtension($0)) != nil
        }
        var urls: [String: String] = [:]
        var hashed: [String: StaticAsset] = [:]
        var pending = assetPaths.sorted()
        // Dependencies first: a file's hash must cover the hashed names it references.
        while !pending.isEmpty {
            let ready = pending.filter { path in
                Self.references(in: files[path, default: Data()], of: assetPaths, from: path).allSatisfy { $0 == path || urls[$0] != nil }
            }
            // A cycle of references leaves nothing ready: take the rest as they are.
            for path in ready.isEmpty ? pending : ready {
                let contentType = StaticAsset.contentType(ofExtension: Self.pathExtension(path)) ?? "application/octet-stream"
                let source = files[path, default: Data()]
                let data = StaticAsset.isText(contentType) ? Self.rewrite(source, urls: urls, from: path) : source
                let asset = try StaticAsset(data: data, contentType: contentType, cacheControl: "public, max-age=31536000, immutable")
                let name = Self.hashedName(path, digest: asset.digest)
                hashed[name] = asset
                urls[path] = "/assets/" + name
            }
            let done = Set(ready.isEmpty ? pending : ready)
            pending.removeAll { done.contains($0) }
        }
        let revalidate = "no-cache"
        guard let indexSource = files["index.html"] else { throw StaticAssetsError(source: Self.origin(of: directory)) }
        let index = Self.rewrite(indexSource, urls: urls, from: "index.html")
        shell = try StaticAsset(data: index, contentType: "text/html; charset=utf-8", cacheControl: revalidate)
        var entryPoints: [String: StaticAsset] = [:]
        if let manifest = files["manifest.webmanifest"] {
            entryPoints["/manifest.webmanifest"] = try StaticAsset(
                data: Self.rewrite(manifest, urls: urls, from: "manifest.webmanifest"), contentType: "application/manifest+json; charset=utf-8",
                cacheControl: revalidate)
        }
        let versionInput = ([shell.digest] + entryPoints.values.map(\.digest).sorted() + urls.values.sorted()).joined(separator: "\n")
        version = String(SHA256.hash(data: Data(versionInput.utf8)).map { String(format: "%02x", $0) }.joined().prefix(Self.hashLength))
        if let worker = files["sw.js"] {
            let generated = Self.serviceWorker(Self.rewrite(worker, urls: urls, from: "sw.js"), version: version, assets: urls.values.sorted())
            entryPoints["/sw.js"] = try StaticAsset(data: generated, contentType: "text/javascript; charset=utf-8", cacheControl: revalidate)
        }
        self.entryPoints = entryPoints
        self.hashed = hashed
        self.urls = urls
    }

    /// Bytes sent before the app is usable on a cold visit, gzip where it applies: the shell, the scripts and stylesheets it
    /// names (`app.js`, its module preloads, the first screen's stylesheet) and every module those import statically. Screens
    /// loaded later by `import()`, the icons and the manifest are not counted.
    public var firstLoadBytes: Int {
        firstLoadAssets.reduce(shell.gzipped?.readableBytes ?? shell.body.readableBytes) { $0 + ($1.gzipped ?? $1.body).readableBytes }
    }

    /// The hashed scripts and stylesheets of `firstLoadBytes`.
    var firstLoadAssets: [StaticAsset] {
        func names(in asset: StaticAsset, staticImportsOnly: Bool) -> [String] {
            let text = String(buffer: asset.body)
            let pattern =
                staticImportsOnly ? #"(?:\bfrom|\bimport)\s*['"]/assets/([^'"]+)['"]"# : #"['"(]/assets/([^'")]+\.(?:js|mjs|css))['")]"#
            guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
            return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
                Range(match.range(at: 1), in: text).map { String(text[$0]) }
            }
        }
        var pending = names(in: shell, staticImportsOnly: false)
        var seen: Set<String> = []
        var assets: [StaticAsset] = []
        while let name = pending.popLast() {
            guard seen.insert(name).inserted, let asset = hashed[name] else { continue }
            assets.append(asset)
            if asset.contentType.hasPrefix("text/javascript") { pending += names(in: asset, staticImportsOnly: true) }
        }
        return assets
    }

    // MARK: - Files

    static func sourceFiles(in directory: URL) throws -> [String: Data] {
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey]) else {
            return [:]
        }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var files: [String: Data] = [:]
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            let relative = String(path.dropFirst(prefix.count))
            let name = url.lastPathComponent
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
            if values.isDirectory == true {
                if name.hasPrefix(".") || skippedDirectories.contains(name) { enumerator.skipDescendants() }
                continue
            }
            guard values.isRegularFile == true, !name.hasPrefix(".") else { continue }
            files[relative] = try Data(contentsOf: url)
        }
        return files
    }

    static func pathExtension(_ path: String) -> String {
        (path as NSString).pathExtension
    }

    /// `lib/format.js` with digest `3f2a…` → `lib-format.3f2a1c9e0b.js` (flat, so one route serves them all).
    static func hashedName(_ path: String, digest: String) -> String {
        let flat = path.replacingOccurrences(of: "/", with: "-")
        let ext = pathExtension(flat)
        let stem = ext.isEmpty ? flat : String(flat.dropLast(ext.count + 1))
        return "\(stem).\(digest.prefix(hashLength))" + (ext.isEmpty ? "" : ".\(ext)")
    }

    // MARK: - References

    /// How `source` may spell a reference to `target`, quoted: `"lib/format.js"`, `'/lib/format.js'`, `"./format.js"` from
    /// `lib/`, and `url(...)` in CSS. Sources write paths from `web/` or relative to their own directory.
    static func spellings(of target: String, from source: String) -> [String] {
        let directory = (source as NSString).deletingLastPathComponent
        var paths = ["/" + target]
        if directory.isEmpty {
            paths += [target, "./" + target]
        } else if target.hasPrefix(directory + "/") {
            paths.append("./" + target.dropFirst(directory.count + 1))
        }
        return paths.flatMap { ["\"\($0)\"", "'\($0)'", "(\($0))"] }
    }

    static func references(in data: Data, of assets: [String], from source: String) -> [String] {
        guard let contentType = StaticAsset.contentType(ofExtension: pathExtension(source)), StaticAsset.isText(contentType),
            let text = String(data: data, encoding: .utf8)
        else { return [] }
        return assets.filter { target in spellings(of: target, from: source).contains { text.contains($0) } }
    }

    static func rewrite(_ data: Data, urls: [String: String], from source: String) -> Data {
        guard var text = String(data: data, encoding: .utf8) else { return data }
        for (target, url) in urls {
            for spelling in spellings(of: target, from: source) where text.contains(spelling) {
                text = text.replacingOccurrences(of: spelling, with: spelling.prefix(1) + url + spelling.suffix(1))
            }
        }
        return Data(text.utf8)
    }

    /// Replaces the `const MANIFEST = …;` line of `sw.js` with this build's version and asset list.
    static func serviceWorker(_ data: Data, version: String, assets: [String]) -> Data {
        guard let text = String(data: data, encoding: .utf8) else { return data }
        let list = assets.map { "\"\($0)\"" }.joined(separator: ", ")
        let line = "\(serviceWorkerManifestPrefix){ version: \"\(version)\", assets: [\(list)] };"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { current in
            current.hasPrefix(serviceWorkerManifestPrefix) ? Substring(line) : current
        }
        return Data(lines.joined(separator: "\n").utf8)
    }
}

/// `web/` has no `index.html`.
struct StaticAssetsError: Error, CustomStringConvertible {
    let source: String

    var description: String { "no index.html in \(source)" }
}

// MARK: - The hub's copy

extension StaticAssets {
    private static let loaded = Mutex<(assets: [String: StaticAssets], reported: Bool)>(([:], false))
    /// The cache key of the copy compiled into the binary.
    private static let embeddedKey = ""

    /// Where the app comes from, in French for the operator: `intégrée au binaire` or the directory read.
    public var origin: String { Self.origin(of: directory) }

    static func origin(of directory: URL?) -> String {
        directory.map { "depuis \($0.path)" } ?? "intégrée au binaire"
    }

    /// The PWA for this process, prepared once per source (tests build many routers): the `web/` directory that
    /// `WebDirectory` finds (`DJOBEA_WEB_DIR`, or a checkout's during development), else the copy compiled into the
    /// binary. A `DJOBEA_WEB_DIR` that names no app, or a directory that cannot be read, is logged once and the
    /// compiled copy is served. Nil only if that copy cannot be prepared (logged): the hub then serves its API alone.
    public static func forHub(logger: Logger) -> StaticAssets? {
        if let directory = WebDirectory.locate() {
            if let assets = prepared(key: directory.path, logger: logger, { try StaticAssets(directory: directory) }) { return assets }
        } else if let explicit = ProcessInfo.processInfo.environment[WebDirectory.environmentKey], !explicit.isEmpty {
            let first = loaded.withLock { state in
                defer { state.reported = true }
                return !state.reported
            }
            if first {
                logger.warning(
                    "pwa.not_found",
                    metadata: [
                        "directory": "\(explicit)",
                        "hint": "\(WebDirectory.environmentKey) names no web/ with an index.html; serving the app built in",
                    ])
            }
        }
        return prepared(key: embeddedKey, logger: logger) { try StaticAssets.embedded() }
    }

    private static func prepared(key: String, logger: Logger, _ prepare: () throws -> StaticAssets) -> StaticAssets? {
        if let cached = loaded.withLock({ $0.assets[key] }) { return cached }
        do {
            let assets = try prepare()
            loaded.withLock { $0.assets[key] = assets }
            logger.info(
                "pwa.ready",
                metadata: [
                    "source": "\(assets.directory?.path ?? "embedded")", "version": "\(assets.version)", "assets": "\(assets.hashed.count)",
                    "first_load_bytes": "\(assets.firstLoadBytes)",
                ])
            return assets
        } catch {
            logger.error("pwa.load_failed", metadata: ["source": "\(key.isEmpty ? "embedded" : key)", "error": "\(error)"])
            return nil
        }
    }
}
