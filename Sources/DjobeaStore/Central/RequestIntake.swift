import DjobeaDomain
import Foundation
import GRDB

/// A provider registered by the platform at central.
public struct ProviderRegistration: Sendable {
    public var name: String
    public var phone: String
    public var services: [String]
    public var zones: [String]
    public var email: String?
    /// Working hours, `{"start":"08:00","end":"18:00","days":[1,2,3,4,5,6]}` (1 = Monday); that default if absent.
    public var workingHours: WorkingHoursInput?

    public init(name: String, phone: String, services: [String], zones: [String], email: String? = nil, workingHours: WorkingHoursInput? = nil) {
        self.name = name
        self.phone = phone
        self.services = services
        self.zones = zones
        self.email = email
        self.workingHours = workingHours
    }
}

/// Working hours given at registration; encoded as the `working_hours` JSON the providers row stores.
public struct WorkingHoursInput: Encodable, Sendable {
    public var start: String
    public var end: String
    public var days: [Int]

    public init(start: String, end: String, days: [Int]) {
        self.start = start
        self.end = end
        self.days = days
    }
}

/// A service request taken in from the matching platform or entered at a hub (walk-in).
public struct RequestIntake: Sendable {
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

    public init(
        zone: String, service: String, urgency: String, title: String? = nil, description: String, address: String, clientName: String,
        clientPhone: String, budgetMin: Int? = nil, budgetMax: Int? = nil, wishedAt: String? = nil, wishedTimeLabel: String? = nil
    ) {
        self.zone = zone
        self.service = service
        self.urgency = urgency
        self.title = title
        self.description = description
        self.address = address
        self.clientName = clientName
        self.clientPhone = clientPhone
        self.budgetMin = budgetMin
        self.budgetMax = budgetMax
        self.wishedAt = wishedAt
        self.wishedTimeLabel = wishedTimeLabel
    }
}

/// A confirmed mobile-money (or cash) payment for a request.
public struct PaymentIntake: Sendable {
    public var requestId: String
    public var method: String
    public var reference: String?
    public var amount: Int

    public init(requestId: String, method: String, reference: String?, amount: Int) {
        self.requestId = requestId
        self.method = method
        self.reference = reference
        self.amount = amount
    }
}

/// A request as central knows it (`GET /central/requests/{id}`).
public struct CentralRequestStatus: Codable, Sendable, Equatable {
    public var id: String
    public var zone: String
    public var service: String
    public var status: String
    public var statusLabel: String
    public var providerId: String?
    public var providerName: String?
    public var conflictCount: Int
    public var paid: Int
}

/// Why an intake was refused: a field, and a French message.
public struct IntakeError: Error, Equatable, Sendable {
    public var field: String
    public var messageFR: String
    public var notFound: Bool

    public init(_ field: String, _ messageFR: String, notFound: Bool = false) {
        self.field = field
        self.messageFR = messageFR
        self.notFound = notFound
    }
}
