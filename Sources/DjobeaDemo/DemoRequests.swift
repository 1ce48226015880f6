import DjobeaDomain
import DjobeaStore
import Foundation

/// A request as planned: who asks for what, where and when.
struct PlannedRequest {
    let ref = RowRef()
    let client: DemoClient
    let job: DemoJob
    let urgency: Urgency
    let zone: Int
    let createdAt: Date
    let wishedAt: Date?
}

/// How a provider answers an offer.
enum OfferAnswer {
    case accept(after: TimeInterval)
    case decline(after: TimeInterval, DeclineReason, note: String?)
    case expire
    /// Not answered yet at `now` (scripted: pending and unseen).
    case pending
}

/// A scripted request, for the situations the dashboard must show today whatever the dice say.
struct RequestScript {
    var provider: Int
    var urgency: Urgency
    var createdAt: Date
    var answer: OfferAnswer
    var fate: MissionFate = .complete
    var timing: MissionTiming?
    var payment: PaymentPlan?
    var rated: Bool?
}

extension DemoWorld {
    // MARK: - Volume

    /// Local hours weights: busy mornings (7–12 h), a second smaller peak after work.
    static let hourWeights: [Double] = [
        0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.7, 2.3, 2.5, 2.3, 1.9, 1.4, 1.0, 1.0, 1.1, 1.2, 1.3, 1.2, 0.9, 0.6, 0.4, 0.2, 0.1,
    ]
    /// Monday … Sunday: Saturday is the busy day, Sunday the quiet one.
    static let weekdayWeights: [Double] = [1.0, 0.95, 0.95, 1.0, 1.05, 1.6, 0.6]

    /// Every day of the period gets its share of requests, growing slowly over the period.
    mutating func planRequestVolume() {
        let hours = Array(Self.hourWeights.enumerated()).map { ($0.offset, $0.element) }
        for day in 0..<days {
            let dayStart = windowStart.addingTimeInterval(Double(day) * 86_400)
            let trend = 0.85 + 0.3 * Double(day) / Double(max(1, days - 1))
            let mean = 17 * Double(scale) * trend * Self.weekdayWeights[calendar.weekday(dayStart) - 1]
            let count = max(1, Int((mean + rng.normal(sd: mean.squareRoot())).rounded()))
            var times: [Date] = []
            if day == 0 {
                // A night emergency opens the period, so that the history covers its first day from the start: no later
                // in that day than `now` is in today, so that the period spans `days - 1` whole days at least.
                let todaySoFar = now.timeIntervalSince(calendar.startOfDay(now))
                times.append(dayStart.addingTimeInterval(min(rng.minutes(1, 25), max(30, todaySoFar - 600))))
            }
            for _ in 0..<count {
                let hour = rng.weighted(hours)
                times.append(dayStart.addingTimeInterval(Double(hour * 3_600) + rng.double(0, 3_600)))
            }
            for time in times.sorted() where time <= now.addingTimeInterval(-300) {
                planRequest(at: time, script: nil)
            }
        }
    }

    // MARK: - One request

    mutating func planRequest(at createdAt: Date, script: RequestScript?) {
        let service: ServiceCode = script.map { providers[$0.provider].services[0] } ?? rng.weighted(DemoJobs.serviceWeights)
        let jobs = DemoJobs.all[service] ?? DemoJobs.plomberie
        let job = rng.weighted(jobs.map { ($0, $0.weight) })
        let urgency = script?.urgency ?? rng.weighted(job.urgencyWeights)
        guard var client = pickClient(before: createdAt.addingTimeInterval(-60)) else { return }
        if let script {
            // A scripted request comes from the provider's own quarters.
            for _ in 0..<30 where !providers[script.provider].zones.contains(client.zone) {
                client = pickClient(before: createdAt.addingTimeInterval(-60)) ?? client
            }
        }
        let zone = rng.chance(0.9) ? client.zone : rng.below(quarters.count)
        let address = zone == client.zone ? client.address : self.address(in: zone)
        var wishedAt: Date?
        let wishedLabel: String
        switch urgency {
        case .urgent:
            wishedLabel = "Dès que possible"
        case .aujourdhui:
            wishedLabel = rng.pick(["Aujourd'hui", "Aujourd'hui avant 18h", "Cet après-midi", "Ce soir après 17h"])
        case .cetteSemaine:
            let day = local(createdAt.addingTimeInterval(Double(rng.int(1...4)) * 86_400), hour: rng.int(8...16))
            wishedAt = day
            wishedLabel = "Cette semaine, de préférence \(DemoCatalogue.dayLabel(day))"
        case .planifie:
            let hour = rng.pick([8, 9, 10, 14, 15])
            let day = local(createdAt.addingTimeInterval(Double(rng.int(2...10)) * 86_400), hour: hour)
            wishedAt = day
            wishedLabel = "Le \(DemoCatalogue.dayLabel(day)) à \(hour)h"
        }
        var description = job.description
        if rng.chance(0.2) { description = "Bonjour, " + description.prefix(1).lowercased() + description.dropFirst() }
        for _ in 0..<rng.int(0...2) { description += " " + rng.pick(DemoCatalogue.descriptionExtras) }
        let budget: (Int, Int)? =
            rng.chance(0.75)
            ? (rng.francs(job.budget.lowerBound * 8 / 10, job.budget.lowerBound), rng.francs(job.budget.upperBound, job.budget.upperBound * 12 / 10))
            : nil
        let request = PlannedRequest(client: client, job: job, urgency: urgency, zone: zone, createdAt: createdAt, wishedAt: wishedAt)
        let serviceId = reference.serviceIds[service] ?? ""
        let zoneId = reference.zoneIds[zone]
        let channel: RequestChannel = rng.chance(0.92) ? .platform : .walkIn
        timeline.at(createdAt, rows: 2) { writer in
            try writer.insert(
                ServiceRequestRecord(
                    id: writer.newId(), clientId: try client.ref.id(), serviceId: serviceId, zoneId: zoneId, urgency: urgency, title: job.title,
                    description: description, address: address, budgetMin: budget.map { Int64($0.0) }, budgetMax: budget.map { Int64($0.1) },
                    wishedTimeLabel: wishedLabel, wishedAt: wishedAt.map(UTCTimestamp.format), channel: channel, createdAt: writer.stamp,
                    updatedAt: writer.stamp),
                as: request.ref)
            try writer.tx.startLifecycle(requestId: try request.ref.id())
        }
        let budgetText = budget.map { "\(XAF($0.0).formatted) – \(XAF($0.1).formatted)" } ?? "budget à discuter"
        planOffers(request, budgetText: budgetText, script: script)
    }

    // MARK: - Offers

    /// Providers for a request, best first: those of the service, available, mostly of the quarter.
    private mutating func candidates(for request: PlannedRequest, at time: Date, forced: Int?) -> [Int] {
        let weights = providers.indices.map { index -> Double in
            let provider = providers[index]
            guard index != forced, provider.services.contains(request.job.service), provider.isAvailable(at: time) else { return 0 }
            return provider.weight * (provider.zones.contains(request.zone) ? 3 : 0.4)
        }
        let chosen = rng.distinctWeighted(weights, count: 3)
        return forced.map { [$0] + chosen } ?? chosen
    }

    private mutating func answer(for provider: DemoProvider, urgency: Urgency) -> OfferAnswer {
        let window = urgency.responseWindow
        let base = urgency == .urgent ? rng.minutes(1, 6) : rng.minutes(2, 22)
        let delay = min(base * provider.speed, window * 0.9)
        let draw = rng.unit()
        if draw < provider.acceptShare { return .accept(after: delay) }
        if draw < provider.acceptShare + (1 - provider.acceptShare) * 0.62 {
            let reason = rng.weighted(DemoCatalogue.declineWeights)
            let note = rng.chance(0.6) ? DemoCatalogue.declineNotes[reason].map { rng.pick($0) } : nil
            return .decline(after: delay, reason, note: note)
        }
        return .expire
    }

    private mutating func planOffers(_ request: PlannedRequest, budgetText: String, script: RequestScript?) {
        var time = request.createdAt.addingTimeInterval(rng.double(20, 150))
        let ranked = candidates(for: request, at: time, forced: script?.provider)
        let maxOffers = script != nil ? 1 : rng.weighted([(1, 20.0), (2, 35), (3, 45)])
        let cancelAt: Date? = script == nil && rng.chance(0.045) ? request.createdAt.addingTimeInterval(rng.minutes(3, 40)) : nil
        let cancel = rng.pick(DemoCatalogue.clientCancelReasons)
        let urgent = request.urgency == .urgent
        let title = request.job.title
        let body = "\(quarters[request.zone].nameFR) · \(budgetText) · \(request.urgency.labelFR)"
        if ranked.isEmpty {
            // Nobody of that trade is available: the request expires unanswered.
            timeline.at(time.addingTimeInterval(request.urgency.responseWindow)) { writer in try writer.event(request.ref, .expired, by: .system) }
            return
        }
        var reoffer = false
        for (rank, index) in ranked.prefix(maxOffers).enumerated() {
            if let cancelAt, cancelAt < time {
                timeline.at(cancelAt) { writer in try writer.event(request.ref, .cancelled, by: .client, reason: cancel.code, note: cancel.note) }
                return
            }
            let provider = providers[index]
            let offeredAt = time
            let expiresAt = offeredAt.addingTimeInterval(request.urgency.responseWindow)
            var answer = script?.answer ?? answer(for: provider, urgency: request.urgency)
            if case .pending = answer, expiresAt <= now { answer = .expire }
            let answeredAt: Date? =
                switch answer {
                case .accept(let delay), .decline(let delay, _, _): offeredAt.addingTimeInterval(delay)
                case .expire, .pending: nil
                }
            let seenAt: Date? =
                switch answer {
                case .pending: nil
                case .expire: rng.chance(0.5) ? offeredAt.addingTimeInterval(rng.minutes(1, request.urgency.responseWindow / 60)) : nil
                default: answeredAt.map { max(offeredAt.addingTimeInterval(2), $0.addingTimeInterval(-rng.double(5, 90))) }
                }
            let seenNow = seenAt.flatMap { $0 <= now ? $0 : nil }
            let offer = RowRef()
            let reofferFirst = reoffer
            reoffer = false
            timeline.at(offeredAt, rows: 3) { writer in
                // After a refusal the request is "déclinée" until the system offers it again.
                if reofferFirst { try writer.event(request.ref, .reoffered, by: .system) }
                try writer.insert(
                    RequestOfferRecord(
                        id: writer.newId(), requestId: try request.ref.id(), providerId: try provider.ref.id(), rank: Int64(rank + 1),
                        offeredAt: UTCTimestamp.format(offeredAt), expiresAt: UTCTimestamp.format(expiresAt), state: .pending),
                    as: offer)
                try writer.notify(
                    provider.ref, urgent ? .urgentRequest : .newRequest, request: request.ref,
                    title: urgent ? "Demande urgente : \(title)" : "Nouvelle demande : \(title)", body: body, seenAt: seenNow)
            }
            let settledAt = answeredAt ?? expiresAt
            var isPending = false
            if case .pending = answer { isPending = true }
            if isPending || settledAt.timeIntervalSince(offeredAt) > 30 * 60 {
                let waitingAt = offeredAt.addingTimeInterval(30 * 60)
                // Seen when the provider next opens the offer (or answers it), if that has happened yet.
                let waitingSeen = [seenAt, answeredAt].compactMap { $0 }.filter { $0 >= waitingAt && $0 <= now }.min()
                if waitingAt < expiresAt {
                    timeline.at(waitingAt) { writer in
                        try writer.notify(
                            provider.ref, .offerWaiting, request: request.ref, title: "Demande en attente de réponse",
                            body: "« \(title) » attend votre réponse depuis 30 minutes.", seenAt: waitingSeen)
                    }
                }
            }
            if let cancelAt, cancelAt < settledAt {
                timeline.at(cancelAt) { writer in
                    try writer.update(offer, columns: [.state]) { (row: inout RequestOfferRecord) in row.state = .withdrawn }
                    try writer.event(request.ref, .cancelled, by: .client, reason: cancel.code, note: cancel.note)
                }
                return
            }
            switch answer {
            case .pending:
                return
            case .accept:
                let acceptedAt = settledAt
                timeline.at(acceptedAt, rows: 2) { writer in
                    try writer.update(offer, columns: [.state, .answeredAt, .seenAt]) { (row: inout RequestOfferRecord) in
                        row.state = .accepted
                        row.answeredAt = UTCTimestamp.format(acceptedAt)
                        row.seenAt = seenAt.map(UTCTimestamp.format)
                    }
                    try writer.event(request.ref, .accepted, by: .provider, provider: provider.ref)
                }
                record(response: index, offeredAt: offeredAt, answeredAt: acceptedAt)
                planMission(request, provider: index, acceptedAt: acceptedAt, script: script)
                return
            case .decline(_, let reason, let note):
                timeline.at(settledAt, rows: 2) { writer in
                    try writer.update(offer, columns: [.state, .answeredAt, .seenAt, .declineReason, .declineNote]) {
                        (row: inout RequestOfferRecord) in
                        row.state = .declined
                        row.answeredAt = UTCTimestamp.format(settledAt)
                        row.seenAt = seenAt.map(UTCTimestamp.format)
                        row.declineReason = reason
                        row.declineNote = note
                    }
                    try writer.event(request.ref, .declined, by: .provider, provider: provider.ref, reason: reason.rawValue, note: note)
                }
                record(response: index, offeredAt: offeredAt, answeredAt: settledAt)
                if rank + 1 < min(maxOffers, ranked.count) {
                    time = settledAt.addingTimeInterval(rng.minutes(1, 4))
                    reoffer = true
                } else {
                    planReassignment(request, after: settledAt, excluding: Array(ranked.prefix(maxOffers)))
                    return
                }
            case .expire:
                let last = rank + 1 >= min(maxOffers, ranked.count)
                timeline.at(expiresAt, rows: 2) { writer in
                    try writer.update(offer, columns: [.state, .seenAt]) { (row: inout RequestOfferRecord) in
                        row.state = .expired
                        row.seenAt = seenAt.map(UTCTimestamp.format)
                    }
                    if last { try writer.event(request.ref, .expired, by: .system) }
                }
                time = expiresAt.addingTimeInterval(rng.double(10, 40))
            }
        }
    }

    /// Declined by everyone: now and then ops find someone by phone and assign the request from central.
    private mutating func planReassignment(_ request: PlannedRequest, after declinedAt: Date, excluding: [Int]) {
        guard rng.chance(0.25) else { return }
        let at = declinedAt.addingTimeInterval(rng.minutes(60, 180))
        let options = providers.indices.filter {
            !excluding.contains($0) && providers[$0].services.contains(request.job.service) && providers[$0].isAvailable(at: at)
        }
        guard !options.isEmpty else { return }
        let index = rng.pick(options)
        let provider = providers[index]
        let title = request.job.title
        let seen = seen(after: at)
        timeline.at(at, rows: 2) { writer in
            try writer.event(
                request.ref, .reassigned, by: .ops, provider: provider.ref, reason: "attribution_manuelle",
                note: "Attribuée par l'équipe Djobea après refus")
            try writer.notify(
                provider.ref, .system, request: request.ref, title: "Mission attribuée par Djobea",
                body: "L'équipe Djobea vous a attribué « \(title) ».", seenAt: seen)
        }
        planMission(request, provider: index, acceptedAt: at, script: nil)
    }

    private mutating func record(response provider: Int, offeredAt: Date, answeredAt: Date) {
        guard answeredAt <= now else { return }
        stats.responses.append(.init(provider: provider, answeredAt: answeredAt, seconds: answeredAt.timeIntervalSince(offeredAt)))
    }
}
