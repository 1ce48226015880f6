import Hummingbird

/// Times every request and hands it to `NodeMetrics`, labelled by method, route template and status.
///
/// Added first on the router, so it sees the status `APIErrorMiddleware` made of an error. A streamed body
/// (the notification stream) is timed until its head is sent.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let metrics: NodeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = context.endpointPath ?? "NotFound"
        do {
            let response = try await next(request, context)
            metrics.record(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: .now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(method: request.method.rawValue, route: route, status: Int(status), duration: .now - start)
            throw error
        }
    }
}
