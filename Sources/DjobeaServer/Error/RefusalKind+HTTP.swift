import DjobeaDomain
import HTTPTypes

extension HTTPResponse.Status {
    /// The HTTP status of each kind of refusal: the one place the API decides it.
    init(refusal kind: RefusalKind) {
        self =
            switch kind {
            case .malformed: .badRequest
            case .unauthenticated: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .tooLarge: .contentTooLarge
            case .unsupportedContent: .unsupportedMediaType
            case .invalid: .unprocessableContent
            case .tooManyAttempts: .tooManyRequests
            case .unavailable: .serviceUnavailable
            }
    }
}
