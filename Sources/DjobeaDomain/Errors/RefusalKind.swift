/// What kind of refusal an error is, in the terms of the rule that refused rather than of one interface: the HTTP
/// layer maps each kind to its status code (`DjobeaServer`'s `APIError`), other callers (the CLI, tests) read the
/// kind itself. Stores, auth and domain errors carry a kind, a stable code and a French message; never a status.
public enum RefusalKind: String, Sendable, Hashable, CaseIterable {
    /// The input cannot be read at all (not a phone number, a password of the wrong shape).
    case malformed
    /// Who is asking is not established (bad code, expired session, wrong password).
    case unauthenticated
    /// Established, but not allowed (suspended account, a field ops own, an account moved to another hub).
    case forbidden
    /// Missing, or not the caller's to see: the two are never told apart.
    case notFound
    /// The input is fine but the state of the rows refuses it (already assigned, offer expired, overlapping absence).
    case conflict
    /// More bytes than the rule allows.
    case tooLarge
    /// Bytes of a kind the rule does not take (a file that is no image).
    case unsupportedContent
    /// A value fails validation.
    case invalid
    /// Too many attempts: try again later.
    case tooManyAttempts
    /// This node cannot decide now (a secret it does not hold, storage refusing writes).
    case unavailable
}
