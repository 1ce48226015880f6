import Hummingbird

/// Registers a route and its OpenAPI entry in one call, so no route exists undocumented.
///
/// Not `Sendable`: it holds a `RouterGroup`, which is not, and it is only used while the router is being built.
public struct DocumentedRoutes {
    public typealias Handler = @Sendable (Request, NodeRequestContext) async throws -> Response
    /// A request or response body type. `SendableMetatype` (every concrete type has it) lets the type be captured by
    /// the `@Sendable` closure that reflects its schema when the OpenAPI document is served.
    public typealias BodyType = any (Decodable & SendableMetatype).Type

    let group: RouterGroup<NodeRequestContext>
    let docs: APIDocumentation
    let tag: String
    let authenticated: Bool

    init(group: RouterGroup<NodeRequestContext>, docs: APIDocumentation, tag: String, authenticated: Bool) {
        self.group = group
        self.docs = docs
        self.tag = tag
        self.authenticated = authenticated
    }

    /// Adds `method path` with its documentation.
    ///
    /// - Parameters:
    ///   - path: the full path in `{name}` form (`/provider/requests/{request_id}`).
    ///   - summary: a French one-line summary.
    ///   - body: the request body type, if any.
    ///   - response: the success body type, if any.
    ///   - produces: the media types of a success that is a file, not JSON (`application/pdf`).
    public func add(
        _ method: HTTPRequest.Method, _ path: String, _ summary: String, parameters: [APIOperation.Parameter] = [],
        body: BodyType? = nil, response: BodyType? = nil, produces: [String] = [], status: Int = 200, errors: [String] = [],
        handler: @escaping Handler
    ) {
        group.on(RouterPath(path), method: method, use: handler)
        docs.add(
            APIOperation(
                method: method.rawValue, path: path, summary: summary, tag: tag, authenticated: authenticated, parameters: parameters,
                requestSchema: body.map { type in { @Sendable in SchemaReflector.schema(forAny: type) } },
                responseSchema: response.map { type in { @Sendable in SchemaReflector.schema(forAny: type) } }, successStatus: status,
                errorCodes: errors, fileTypes: produces))
    }
}

extension SchemaReflector {
    static func schema(forAny type: any Decodable.Type) -> [String: Any] {
        func open<T: Decodable>(_ type: T.Type) -> [String: Any] { SchemaReflector.schema(for: type) }
        return open(type)
    }
}
