import Crypto
import DjobeaDomain
import Foundation
import GRDB

/// Who performed an ops action: the platform's API key, or an ops person's session on `/ops`.
public struct OpsActor: Sendable, Equatable {
    public var name: String

    public init(_ name: String) {
        self.name = String(name.prefix(120))
    }

    public static let apiKey = OpsActor("api")
}

/// Cancel a request (ops, or the client through the platform).
public struct OpsCancellation: Sendable {
    public var reason: String
    /// `client` (the client cancelled through the platform) or `ops`.
    public var by: String

    public init(reason: String, by: String) {
        self.reason = reason
        self.by = by
    }
}

/// Reassign a request: to `providerId`, or, without it, back to offer routing at the owning hub.
public struct OpsReassignment: Sendable {
    public var providerId: String?
    public var reason: String?

    public init(providerId: String? = nil, reason: String? = nil) {
        self.providerId = providerId
        self.reason = reason
    }
}

/// Reverse a payment: a refund or a chargeback, the whole payment unless `amount` says less.
public struct OpsReversal: Sendable {
    public var reason: String
    public var amount: Int?

    public init(reason: String, amount: Int? = nil) {
        self.reason = reason
        self.amount = amount
    }
}

/// Ops edits of a provider: only the fields given change; `services` and `zones` replace the whole list.
public struct ProviderPatch: Sendable {
    public var name: String?
    public var services: [String]?
    public var zones: [String]?
    public var level: String?
    public var active: Bool?
    public var reason: String?

    public init(
        name: String? = nil, services: [String]? = nil, zones: [String]? = nil, level: String? = nil, active: Bool? = nil,
        reason: String? = nil
    ) {
        self.name = name
        self.services = services
        self.zones = zones
        self.level = level
        self.active = active
        self.reason = reason
    }
}

/// The reason given for suspending or reinstating a provider.
public struct OpsReason: Sendable {
    public var reason: String?

    public init(reason: String? = nil) {
        self.reason = reason
    }
}

/// Move a zone to another hub.
public struct ZoneMove: Sendable {
    /// The hub's name or id.
    public var toHub: String
    public var reason: String?

    public init(toHub: String, reason: String? = nil) {
        self.toHub = toHub
        self.reason = reason
    }
}

/// The answer to every ops action: what was done, in French, and the state it left.
public struct OpsActionResult: Codable, Sendable, Equatable {
    public var actionId: String
    public var kind: String
    public var target: String
    public var summary: String
    /// The request's status after the action (request actions).
    public var status: String?
    public var statusLabel: String?
    public var providerId: String?
    /// The ledger entry written (a reversal).
    public var entryId: String?
    /// Requests a hub keeps a part in because of the action (a provider's or a zone's move).
    public var stakes: Int?
    /// The commission rate version written (`add_commission_rate`).
    public var rateId: String?
    /// The provider's level after the action (level actions), or the new version's level (`add_commission_rate`).
    public var level: String?
    /// How many providers' levels changed (`recompute_levels`).
    public var changed: Int?
    /// True when this answer is the replay of an earlier action with the same Idempotency-Key.
    public var replayed: Bool
}

/// One logged ops action, for the ops page.
public struct OpsActionRecord: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var actor: String
    public var target: String
    public var reason: String?
    public var summary: String
    public var createdAt: String
}

/// An ops action refused because of the state it found (409), with a stable code and a French message.
public struct OpsRefusal: Error, Equatable, Sendable {
    public var code: String
    public var messageFR: String

    init(_ code: String, _ messageFR: String) {
        self.code = code
        self.messageFR = messageFR
    }
}
