import HTTPTypes
import Hummingbird
import NIOCore

extension StaticAssets {
    /// Serves the app: `/` and `/app` (the shell), `/sw.js`, `/manifest.webmanifest` and `/assets/{file}`.
    ///
    /// - Parameters:
    ///   - router: the node's router.
    ///   - docs: the OpenAPI document (every route is in it).
    public func register(on router: Router<NodeRequestContext>, docs: APIDocumentation) {
        let routes = DocumentedRoutes(group: router.group(), docs: docs, tag: "Application", authenticated: false)
        let shell = self.shell
        routes.add(.get, "/", "Application prestataire (PWA) : la page HTML, à revalider (ETag, 304)") { request, _ in
            Self.answer(shell, to: request)
        }
        routes.add(.get, "/app", "Application prestataire (PWA) : point d'entrée de l'application installée") { request, _ in
            Self.answer(shell, to: request)
        }
        for (path, asset) in entryPoints.sorted(by: { $0.key < $1.key }) {
            let summary =
                path == "/sw.js"
                ? "Service worker de l'application (liste des fichiers versionnés à mettre en cache)"
                : "Manifeste de l'application installable (Web App Manifest)"
            routes.add(.get, path, summary) { request, _ in Self.answer(asset, to: request) }
        }
        let hashed = self.hashed
        routes.add(
            .get, "/assets/{file}", "Fichier versionné de l'application (nom haché par contenu, cache immuable d'un an)",
            parameters: [.init("file", in: "path", required: true, "Nom versionné, par exemple app.3f2a1c9e0b.js")], errors: ["not_found"]
        ) { request, context in
            guard let name = context.parameters.get("file"), let asset = hashed[name] else { throw APIError.notFound() }
            return Self.answer(asset, to: request)
        }
    }

    /// The representation of `asset` a request gets: brotli when accepted and smaller, else gzip when accepted and smaller,
    /// else the bytes as they are.
    enum Encoding: Equatable {
        case identity, gzip, brotli
    }

    static func encoding(of asset: StaticAsset, for request: Request) -> Encoding {
        let header = request.headers[.acceptEncoding]
        if asset.brotli != nil, acceptsBrotli(header) { return .brotli }
        if asset.gzipped != nil, JSONResponse.acceptsGzip(header) { return .gzip }
        return .identity
    }

    /// Whether `Accept-Encoding` names brotli (`br`) with a quality above 0. `*` is not taken as brotli: a client that
    /// never named it may not decode it.
    static func acceptsBrotli(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.lowercased().split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.first == "br" else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
        return false
    }

    /// The answer to a GET: 304 when the client holds these bytes, brotli or gzip when accepted and smaller.
    static func answer(_ asset: StaticAsset, to request: Request) -> Response {
        let encoding = encoding(of: asset, for: request)
        let etag =
            switch encoding {
            case .identity: asset.etag
            case .gzip: asset.gzipETag
            case .brotli: asset.brotliETag
            }
        var headers: HTTPFields = [
            .contentType: asset.contentType, .cacheControl: asset.cacheControl, .eTag: etag, .xContentTypeOptions: "nosniff",
        ]
        if asset.gzipped != nil || asset.brotli != nil { headers[.vary] = "Accept-Encoding" }
        if let policy = asset.contentSecurityPolicy {
            headers[.contentSecurityPolicy] = policy
            if let referrerPolicy = HTTPField.Name("Referrer-Policy") { headers[referrerPolicy] = "no-referrer" }
        }
        if let candidates = request.headers[.ifNoneMatch],
            [asset.etag, asset.gzipETag, asset.brotliETag].contains(where: {
                JSONResponse.matches(candidates, $0)
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        switch encoding {
        case .brotli:
            if let brotli = asset.brotli {
                headers[.contentEncoding] = "br"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: brotli))
            }
        case .gzip:
            if let gzipped = asset.gzipped {
                headers[.contentEncoding] = "gzip"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
            }
        case .identity:
            break
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
