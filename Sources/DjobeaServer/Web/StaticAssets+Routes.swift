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

    /// The answer to a GET: 304 when the client holds these bytes, gzip when accepted and smaller.
    static func answer(_ asset: StaticAsset, to request: Request) -> Response {
        let gzip = asset.gzipped != nil && JSONResponse.acceptsGzip(request.headers[.acceptEncoding])
        var headers: HTTPFields = [
            .contentType: asset.contentType, .cacheControl: asset.cacheControl, .eTag: gzip ? asset.gzipETag : asset.etag,
            .xContentTypeOptions: "nosniff",
        ]
        if asset.gzipped != nil { headers[.vary] = "Accept-Encoding" }
        if asset.contentType.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] =
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
                + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
            if let referrerPolicy = HTTPField.Name("Referrer-Policy") { headers[referrerPolicy] = "no-referrer" }
        }
        if let candidates = request.headers[.ifNoneMatch],
            JSONResponse.matches(candidates, asset.etag) || JSONResponse.matches(candidates, asset.gzipETag)
        {
            return Response(status: .notModified, headers: headers)
        }
        if gzip, let gzipped = asset.gzipped {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
