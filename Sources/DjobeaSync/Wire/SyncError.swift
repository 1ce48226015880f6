/// Why a sync exchange was refused (SPEC.md §8). Each has a stable code, an HTTP status and a French message.
public enum SyncError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    /// The hub speaks a protocol version older than central serves (SPEC.md §9.1): the hub must be upgraded.
    case protocolTooOld(hub: Int, served: ServedProtocols)
    /// The hub speaks a protocol version newer than central's: central must be upgraded first.
    case protocolTooNew(hub: Int, served: ServedProtocols)
    case unauthenticated(String)
    case revoked
    case replayed
    case enrolmentInvalid
    case outOfPartition(String)
    case gap(expected: Int64, got: Int64)
    case tooLarge
    case unreachable(String)
    case server(Int, String, String)
    /// Photo lane (SPEC.md §6): this central has no blob store.
    case photoUnavailable
    /// Photo lane: central does not hold the blob, or no row of the hub's partition refers to it (6.4).
    case photoUnknown
    /// Photo lane: the chunk's offset is not the partial upload's length, which is given (6.3).
    case photoOffset(Int64)
    /// Photo lane: the completed upload does not hash to its name; it was discarded (6.3).
    case photoHashMismatch

    public var code: String {
        switch self {
        case .malformed: "sync_malformed"
        case .protocolTooOld: "sync_protocol_too_old"
        case .protocolTooNew: "sync_protocol_too_new"
        case .unauthenticated: "sync_unauthenticated"
        case .revoked: "sync_hub_revoked"
        case .replayed: "sync_replayed"
        case .enrolmentInvalid: "sync_enrolment_invalid"
        case .outOfPartition: "sync_out_of_partition"
        case .gap: "sync_gap"
        case .tooLarge: "sync_too_large"
        case .unreachable: "sync_unreachable"
        case .server(_, let code, _): code
        case .photoUnavailable: "sync_photo_unavailable"
        case .photoUnknown: "sync_photo_unknown"
        case .photoOffset: "sync_photo_offset"
        case .photoHashMismatch: "sync_photo_hash_mismatch"
        }
    }

    public var status: Int {
        switch self {
        case .malformed, .gap: 400
        case .protocolTooOld: 426
        case .protocolTooNew: 409
        case .unauthenticated, .replayed: 401
        case .revoked, .outOfPartition, .enrolmentInvalid: 403
        case .tooLarge: 413
        case .unreachable: 503
        case .server(let status, _, _): status
        case .photoUnavailable: 503
        case .photoUnknown: 404
        case .photoOffset: 409
        case .photoHashMismatch: 422
        }
    }

    public var messageFR: String {
        switch self {
        case .malformed(let detail): "Message de synchronisation invalide : \(detail)."
        case .protocolTooOld(let version, let served):
            "\(protocolTooOldNoticeFR). Ce hub parle le protocole de synchronisation \(version), le central sert \(served.descriptionFR). "
                + "Mettez à jour djobea sur ce hub (guide de l'opérateur, section 5) ; en attendant, il continue de servir ses prestataires hors ligne."
        case .protocolTooNew(let version, let served):
            "Ce hub parle le protocole de synchronisation \(version), plus récent que le central (qui sert \(served.descriptionFR)) : "
                + "mettez d'abord à jour le central, puis ce hub."
        case .unauthenticated(let detail): "Requête de synchronisation non authentifiée : \(detail)."
        case .revoked: "Ce hub a été révoqué par le central."
        case .replayed: "Requête rejouée ou trop ancienne : renvoyez-la avec un nouveau compteur."
        case .enrolmentInvalid: "Jeton d'enrôlement inconnu, expiré ou déjà utilisé."
        case .outOfPartition(let detail): "Changement hors de la zone de ce hub : \(detail)."
        case .gap(let expected, let got): "Trou dans la séquence : attendu \(expected), reçu \(got)."
        case .tooLarge: "Lot de synchronisation trop volumineux."
        case .unreachable(let detail): "Central injoignable : \(detail)."
        case .server(_, _, let message): message
        case .photoUnavailable: "Ce central ne prend pas en charge le transfert des photos."
        case .photoUnknown: "Photo inconnue du central ou hors de la zone de ce hub."
        case .photoOffset(let offset): "Envoi de photo à reprendre à l'octet \(offset)."
        case .photoHashMismatch: "Photo reçue altérée (empreinte SHA-256 différente) : envoi abandonné, à recommencer."
        }
    }

    public var description: String { "\(code): \(messageFR)" }

    /// Central refused this hub's protocol version as too old: its own refusal, or any `426` from central (a release
    /// before this one answered `426 sync_protocol_unsupported`).
    public var isProtocolTooOld: Bool {
        switch self {
        case .protocolTooOld: true
        case .server(426, _, _): true
        default: false
        }
    }
}
