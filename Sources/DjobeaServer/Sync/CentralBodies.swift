import DjobeaStore

// The JSON bodies of central's platform and ops API, each turned into the store's input by one property. They are
// public so that tests and tools build requests from the same types the routes decode and the OpenAPI document shows.

/// `POST /central/providers`.
public struct ProviderRegistrationBody: Codable, Sendable {
    public var name: String
    public var phone: String
    public var services: [String]
    public var zones: [String]
    public var email: String?
    /// `{"start":"08:00","end":"18:00","days":[1,2,3,4,5,6]}` (1 = Monday); that default if absent.
    public var workingHours: WorkingHoursBody?

    public var registration: ProviderRegistration {
        ProviderRegistration(
            name: name, phone: phone, services: services, zones: zones, email: email,
            workingHours: workingHours.map { WorkingHoursInput(start: $0.start, end: $0.end, days: $0.days) })
    }
}

/// Working hours as the API carries them.
public struct WorkingHoursBody: Codable, Sendable {
    public var start: String
    public var end: String
    public var days: [Int]
}

/// `POST /central/requests` (from the platform) and `POST /provider/requests` (a walk-in entered at a hub).
public struct RequestIntakeBody: Codable, Sendable {
    public var zone: String
    public var service: String
    public var urgency: String
    public var title: String?
    public var description: String
    public var address: String
    public var clientName: String
    public var clientPhone: String
    public var budgetMin: Int?
    public var budgetMax: Int?
    public var wishedAt: String?
    public var wishedTimeLabel: String?

    public var intake: RequestIntake {
        RequestIntake(
            zone: zone, service: service, urgency: urgency, title: title, description: description, address: address, clientName: clientName,
            clientPhone: clientPhone, budgetMin: budgetMin, budgetMax: budgetMax, wishedAt: wishedAt, wishedTimeLabel: wishedTimeLabel)
    }
}

/// `POST /central/payments`: a confirmed mobile-money (or cash) payment for a request.
public struct PaymentIntakeBody: Codable, Sendable {
    public var requestId: String
    public var method: String
    public var reference: String?
    public var amount: Int

    public var intake: PaymentIntake { PaymentIntake(requestId: requestId, method: method, reference: reference, amount: amount) }
}

/// `POST /central/requests/{id}/cancel`.
public struct OpsCancelBody: Codable, Sendable {
    public var reason: String
    /// `client` (the client cancelled through the platform) or `ops`.
    public var by: String

    public var command: OpsCancellation { OpsCancellation(reason: reason, by: by) }
}

/// `POST /central/requests/{id}/reassign`: to `provider_id`, or, without it, back to offer routing at the owning hub.
public struct OpsReassignBody: Codable, Sendable {
    public var providerId: String?
    public var reason: String?

    public var command: OpsReassignment { OpsReassignment(providerId: providerId, reason: reason) }
}

/// `POST /central/payments/{id}/reverse`: a refund or a chargeback, the whole payment unless `amount` says less.
public struct OpsReverseBody: Codable, Sendable {
    public var reason: String
    public var amount: Int?

    public var command: OpsReversal { OpsReversal(reason: reason, amount: amount) }
}

/// `PATCH /central/providers/{id}`: only the fields given change; `services` and `zones` replace the whole list.
public struct ProviderPatchBody: Codable, Sendable {
    public var name: String?
    public var services: [String]?
    public var zones: [String]?
    public var level: String?
    public var active: Bool?
    public var reason: String?

    public var patch: ProviderPatch {
        ProviderPatch(name: name, services: services, zones: zones, level: level, active: active, reason: reason)
    }
}

/// `POST /central/providers/{id}/suspend` and `/reinstate`.
public struct OpsReasonBody: Codable, Sendable {
    public var reason: String?

    public var command: OpsReason { OpsReason(reason: reason) }
}

/// `POST /central/zones/{code}/move`.
public struct ZoneMoveBody: Codable, Sendable {
    /// The hub's name or id.
    public var toHub: String
    public var reason: String?

    public var command: ZoneMove { ZoneMove(toHub: toHub, reason: reason) }
}
