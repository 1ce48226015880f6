import DjobeaDomain

/// The seed's request card: the list line plus everything the provider needs to decide and to work.
///
/// Encoded flat: the list line's keys, then the card's own keys, in one JSON object.
public struct ProviderRequestDetail: Codable, Sendable, Hashable {
    public var summary: ProviderRequestItem
    public var client: Client
    /// The full address as the client gave it.
    public var address: String
    public var description: String
    public var wishedTime: WishedTime
    /// The mission as folded from its events; nil unless the request is assigned to this provider.
    public var mission: MissionProgress?
    public var materials: [Material]
    /// Total of `materials`, integer francs.
    public var materialsTotal: Int
    public var materialsTotalLabel: String
    public var photos: [Photo]
    public var messages: [Message]
    public var calls: [Call]
    public var slotProposals: [SlotProposal]
    /// What the provider may do now, in the card's button order.
    public var actions: [ProviderRequestAction]
    /// The provider's work timer on this mission (empty unless it is theirs).
    public var timer: MissionTimer
    /// The payment request sent to the client, with its status derived from the ledger; nil before.
    public var invoice: Invoice?

    enum CodingKeys: String, CodingKey {
        case client, address, description, mission, materials, photos, messages, calls, actions, timer, invoice, wishedTime, materialsTotal,
            materialsTotalLabel, slotProposals
    }

    public init(from decoder: any Decoder) throws {
        summary = try ProviderRequestItem(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        client = try container.decode(Client.self, forKey: .client)
        address = try container.decode(String.self, forKey: .address)
        description = try container.decode(String.self, forKey: .description)
        wishedTime = try container.decode(WishedTime.self, forKey: .wishedTime)
        mission = try container.decodeIfPresent(MissionProgress.self, forKey: .mission)
        materials = try container.decode([Material].self, forKey: .materials)
        materialsTotal = try container.decode(Int.self, forKey: .materialsTotal)
        materialsTotalLabel = try container.decode(String.self, forKey: .materialsTotalLabel)
        photos = try container.decode([Photo].self, forKey: .photos)
        messages = try container.decode([Message].self, forKey: .messages)
        calls = try container.decode([Call].self, forKey: .calls)
        slotProposals = try container.decode([SlotProposal].self, forKey: .slotProposals)
        actions = try container.decode([ProviderRequestAction].self, forKey: .actions)
        timer = try container.decode(MissionTimer.self, forKey: .timer)
        invoice = try container.decodeIfPresent(Invoice.self, forKey: .invoice)
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(client, forKey: .client)
        try container.encode(address, forKey: .address)
        try container.encode(description, forKey: .description)
        try container.encode(wishedTime, forKey: .wishedTime)
        try container.encode(mission, forKey: .mission)
        try container.encode(materials, forKey: .materials)
        try container.encode(materialsTotal, forKey: .materialsTotal)
        try container.encode(materialsTotalLabel, forKey: .materialsTotalLabel)
        try container.encode(photos, forKey: .photos)
        try container.encode(messages, forKey: .messages)
        try container.encode(calls, forKey: .calls)
        try container.encode(slotProposals, forKey: .slotProposals)
        try container.encode(actions, forKey: .actions)
        try container.encode(timer, forKey: .timer)
        try container.encode(invoice, forKey: .invoice)
    }

    init(
        summary: ProviderRequestItem, client: Client, address: String, description: String, wishedTime: WishedTime,
        mission: MissionProgress?, materials: [Material], photos: [Photo], messages: [Message], calls: [Call],
        slotProposals: [SlotProposal], actions: [ProviderRequestAction], timer: MissionTimer = .empty, invoice: Invoice? = nil
    ) {
        self.summary = summary
        self.client = client
        self.address = address
        self.description = description
        self.wishedTime = wishedTime
        self.mission = mission
        self.materials = materials
        materialsTotal = materials.map(\.total).reduce(0, +)
        materialsTotalLabel = XAF(materialsTotal).formatted
        self.photos = photos
        self.messages = messages
        self.calls = calls
        self.slotProposals = slotProposals
        self.actions = actions
        self.timer = timer
        self.invoice = invoice
    }
}

extension ProviderRequestDetail {
    /// The client as the card shows them.
    ///
    /// There is no rating OF clients: `averageStarsGiven` is the mean of the stars this client gave providers
    /// (a proxy for how demanding they are) and `requestsCount` how many requests they made, this one included.
    public struct Client: Codable, Sendable, Hashable {
        public var name: String
        public var firstName: String
        /// E.164 once this provider has the request; masked ("+237 6XX XXX X56") before.
        public var phone: String
        public var phoneVisible: Bool
        public var requestsCount: Int
        public var averageStarsGiven: Double?
        public var ratingsGiven: Int
        /// "4,8/5 (12 avis)", "Nouveau client", "3 demandes, aucun avis".
        public var reputationLabel: String
    }

    /// "Délai souhaité".
    public struct WishedTime: Codable, Sendable, Hashable {
        /// As the client said it ("Dès que possible", "Demain matin"), or the urgency's label.
        public var label: String
        /// A precise time, UTC ISO 8601, when the client gave one.
        public var at: String?
    }

    /// A material the provider recorded on the mission.
    public struct Material: Codable, Sendable, Hashable {
        public var id: String
        public var label: String
        public var quantity: Int
        public var unitPrice: Int
        public var total: Int
        public var totalLabel: String
        public var recordedAt: String
    }

    /// The invoice of the mission's payment request ("Demande de paiement"), status derived from the ledger.
    public struct Invoice: Codable, Sendable, Hashable {
        public var id: String
        public var number: String
        public var total: Int
        public var totalLabel: String
        /// An `InvoiceStatus` raw value: brouillon (not sent yet: editable), envoyee, partielle, payee, surpayee, en_retard.
        public var status: String
        public var statusLabel: String
        public var paid: Int
        public var paidLabel: String
        /// Its mobile money collections, newest first: the one pending shows "en attente de validation par le client".
        public var collections: [CollectionView] = []
        /// Its lines, in order (what a draft's edit starts from).
        public var lines: [MissionPaymentRequestResult.Line] = []
    }

    /// Photo metadata; the bytes are served by `GET /provider/photos/{id}`.
    public struct Photo: Codable, Sendable, Hashable {
        public var id: String
        /// before, after, other.
        public var kind: String
        public var sha256: String
        public var thumbSha256: String?
        public var mime: String
        public var width: Int
        public var height: Int
        public var takenAt: String
    }

    /// One message exchanged with the client about this request.
    public struct Message: Codable, Sendable, Hashable {
        public var id: String
        /// in (from the client) or out (to the client).
        public var direction: String
        public var channel: String
        public var templateCode: String?
        public var body: String
        public var sentAt: String
        /// queued, sent, delivered, read, failed.
        public var deliveryStatus: String
        /// "En file", "Envoyé", "Remis", "Lu", "Échec" (outgoing messages; "Reçu" for the client's).
        public var deliveryLabel: String
        /// Why it failed, or how it went on (by SMS), in French.
        public var statusReason: String?
        /// When the state last changed.
        public var statusAt: String?
    }

    /// One call with the client and the provider's note after it.
    public struct Call: Codable, Sendable, Hashable {
        public var id: String
        /// out, in, missed.
        public var direction: String
        public var startedAt: String
        public var durationSeconds: Int
        /// "3 min 20 s".
        public var durationLabel: String
        public var note: String?
    }

    /// A new slot the provider proposed ("Reporter").
    public struct SlotProposal: Codable, Sendable, Hashable {
        public var id: String
        public var proposedStart: String
        public var proposedEnd: String
        /// "mardi 2 décembre entre 9 h et 11 h" (Douala time).
        public var label: String
        public var note: String?
        /// proposed, superseded, accepted, refused.
        public var state: String
        public var messageId: String?
        public var createdAt: String
    }
}

/// The mission's progress from its events (`MissionStatusFold`).
public struct MissionProgress: Codable, Sendable, Hashable {
    public struct Step: Codable, Sendable, Hashable {
        /// `RequestStatus` raw value: acceptee, arrive, diagnostic, reparation, terminee.
        public var stage: String
        public var label: String
        /// UTC ISO 8601, the earliest event for the stage.
        public var at: String?
        public var done: Bool
    }

    public struct Conflict: Codable, Sendable, Hashable {
        public var kind: String
        public var severity: String
        public var message: String
    }

    public var status: String
    public var statusLabel: String
    public var steps: [Step]
    public var cancelledAt: String?
    /// Events kept but not applied, in plain French (CONFLICTS.md: "told in the app in plain French").
    public var conflicts: [Conflict]

    /// The progress of `state`, showing only the conflicts of `providerId`'s own events and of non-provider events.
    init(_ state: MissionState, events: [MissionEvent], providerId: String) {
        // Shown times are the events' wall-clock times, never their HLCs (SPEC.md §2.2).
        func time(_ status: RequestStatus) -> String? { state.wallTime(of: status).map { UTCTimestamp.format($0) } }
        status = state.status.rawValue
        statusLabel = state.status.labelFR
        // A skipped stage counts as done once the mission is past it; off the path only recorded times count.
        let rank = state.status.progressRank ?? -1
        steps = [RequestStatus.acceptee, .arrive, .diagnostic, .reparation, .terminee].map { stage in
            let at = time(stage)
            return Step(stage: stage.rawValue, label: stage.labelFR, at: at, done: at != nil || (stage.progressRank ?? 9) <= rank)
        }
        cancelledAt = time(.annulee)
        let byId = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        conflicts = state.conflicts.compactMap { conflict in
            if let event = byId[conflict.eventId], let other = event.effectiveProviderId, other != providerId { return nil }
            return Conflict(kind: conflict.kind.rawValue, severity: conflict.severity.rawValue, message: conflict.messageFR)
        }
    }
}
