import DjobeaDomain
import DjobeaStore
import Foundation

/// How an accepted mission ends.
enum MissionFate {
    case complete
    /// The client cancels before the provider arrives: the mission is cancelled.
    case cancelBeforeArrival
    /// The client cancels after "Arrivé": kept as a conflict, the provider bills the trip (CONFLICTS.md rule 5).
    case lateCancel
}

/// When things happen on site, relative to arrival.
struct MissionTiming {
    var arrival: Date
    var diagnoseAfter: TimeInterval
    var repairAfter: TimeInterval
    var repairDuration: TimeInterval
    var invoiceAfter: TimeInterval
}

/// One line of a quote or an invoice.
struct BillLine {
    let kind: BillingLineKind
    let label: String
    let quantity: Int
    let unitPrice: Int

    var total: Int { quantity * unitPrice }
}

extension DemoWorld {
    /// Everything after acceptance: messages, calls, the stages on site, materials, photos, then the bill.
    mutating func planMission(_ request: PlannedRequest, provider index: Int, acceptedAt: Date, script: RequestScript?) {
        let provider = providers[index]
        let client = request.client
        let fate = script?.fate ?? rng.weighted([(MissionFate.complete, 95.5), (.cancelBeforeArrival, 3), (.lateCancel, 1.5)])
        planFirstContact(request, provider: provider, acceptedAt: acceptedAt)
        let timing = script?.timing ?? sampleTiming(request, acceptedAt: acceptedAt)
        let arrival = max(timing.arrival, acceptedAt.addingTimeInterval(rng.minutes(8, 15)))

        if fate == .cancelBeforeArrival, arrival.timeIntervalSince(acceptedAt) > 30 * 60 {
            let cancelAt = acceptedAt.addingTimeInterval(rng.double(10 * 60, arrival.timeIntervalSince(acceptedAt) - 15 * 60))
            let cancel = rng.pick(DemoCatalogue.clientCancelReasons)
            let title = request.job.title
            let seen = seen(after: cancelAt)
            timeline.at(cancelAt, rows: 2) { writer in
                try writer.event(request.ref, .cancelled, by: .client, reason: cancel.code, note: cancel.note)
                try writer.notify(
                    provider.ref, .system, request: request.ref, title: "Demande annulée par le client",
                    body: "« \(title) » : \(cancel.note).", seenAt: seen)
            }
            return
        }

        if arrival.timeIntervalSince(acceptedAt) > 25 * 60 {
            let onTheWay = arrival.addingTimeInterval(-15 * 60)
            let acknowledge = rng.chance(0.35) ? rng.pick(DemoCatalogue.clientAcknowledgements) : nil
            timeline.at(onTheWay) { writer in
                try writer.message(
                    provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing,
                    body: DemoTemplates.reply("arrive_15min"), template: "arrive_15min")
            }
            if let acknowledge {
                timeline.at(onTheWay.addingTimeInterval(rng.double(30, 240))) { writer in
                    try writer.message(provider: provider.ref, client: client.ref, request: request.ref, direction: .incoming, body: acknowledge)
                }
            }
        }
        let session = RowRef()
        timeline.at(arrival, rows: 2) { writer in
            try writer.event(request.ref, .arrived, by: .provider, provider: provider.ref)
            try writer.insert(
                MissionWorkSessionRecord(
                    id: writer.newId(), requestId: try request.ref.id(), providerId: try provider.ref.id(), startedAt: writer.stamp),
                as: session)
        }
        let service = request.job.service.rawValue
        let photoIndex = rng.int(1...3)
        let takesPhotos = rng.chance(0.75)
        if takesPhotos {
            let second = rng.chance(0.3) ? (photoIndex % 3) + 1 : nil
            timeline.at(arrival.addingTimeInterval(rng.minutes(2, 6)), rows: 2) { writer in
                try writer.photo(named: "\(service)-avant-\(photoIndex)", kind: .before, request: request.ref, provider: provider.ref)
                if let second {
                    try writer.photo(named: "\(service)-avant-\(second)", kind: .before, request: request.ref, provider: provider.ref)
                }
            }
        }
        let travel = rng.francs(1_000, 2_500)

        if fate == .lateCancel {
            let cancelAt = arrival.addingTimeInterval(rng.minutes(10, 25))
            let completedAt = cancelAt.addingTimeInterval(rng.minutes(5, 15))
            let cancel = rng.pick(DemoCatalogue.lateCancelReasons)
            timeline.at(cancelAt) { writer in try writer.event(request.ref, .cancelled, by: .client, reason: cancel.code, note: cancel.note) }
            timeline.at(completedAt, rows: 2) { writer in
                try writer.event(
                    request.ref, .completed, by: .provider, provider: provider.ref, note: "Déplacement facturé après annulation sur place")
                try writer.stop(session)
            }
            let lines = [
                BillLine(kind: .mainOeuvre, label: "Diagnostic sur place", quantity: 1, unitPrice: rng.francs(2_000, 4_000)),
                BillLine(kind: .deplacement, label: "Déplacement", quantity: 1, unitPrice: travel),
            ]
            planBill(
                request, provider: index, completedAt: completedAt, invoiceAt: completedAt.addingTimeInterval(rng.minutes(5, 20)),
                lines: lines, payment: rng.chance(0.6) ? .onSite : .never, rated: false)
            return
        }

        let diagnosedAt = arrival.addingTimeInterval(timing.diagnoseAfter)
        let explanation = rng.chance(0.5) ? DemoCatalogue.diagnosisNotes[request.job.service].map { rng.pick($0) } : nil
        timeline.at(diagnosedAt, rows: 2) { writer in
            try writer.event(request.ref, .diagnosed, by: .provider, provider: provider.ref, note: explanation)
            try writer.message(
                provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing,
                body: DemoTemplates.reply("diagnostic_en_cours"), template: "diagnostic_en_cours")
        }
        let materials = request.job.materials.enumerated().compactMap { offset, material -> BillLine? in
            guard offset == 0 || rng.chance(0.6) else { return nil }
            return BillLine(
                kind: .materiel, label: material.label, quantity: rng.int(1...material.maxQuantity),
                unitPrice: rng.francs(material.price.lowerBound, material.price.upperBound, step: 100))
        }
        let labour = BillLine(
            kind: .mainOeuvre, label: "Main d'œuvre – \(request.job.title.prefix(1).lowercased() + request.job.title.dropFirst())",
            quantity: 1, unitPrice: rng.francs(request.job.labour.lowerBound, request.job.labour.upperBound))
        let trip = BillLine(kind: .deplacement, label: "Déplacement", quantity: 1, unitPrice: travel)

        var repairAt = diagnosedAt.addingTimeInterval(timing.repairAfter)
        let quoteChance = request.job.kind == .installation ? 0.7 : request.job.service == .electromenager ? 0.4 : 0.22
        if script == nil, rng.chance(quoteChance) {
            let quoteAt = diagnosedAt.addingTimeInterval(rng.minutes(8, 20))
            let decisionAt = quoteAt.addingTimeInterval(rng.minutes(5, 60))
            let accepted = rng.chance(0.9)
            planQuote(request, provider: provider, at: quoteAt, decisionAt: decisionAt, accepted: accepted, lines: [labour] + materials + [trip])
            if !accepted {
                let completedAt = decisionAt.addingTimeInterval(rng.minutes(3, 10))
                timeline.at(completedAt, rows: 2) { writer in
                    try writer.event(request.ref, .completed, by: .provider, provider: provider.ref, note: "Devis refusé : diagnostic seul")
                    try writer.stop(session)
                }
                let lines = [BillLine(kind: .mainOeuvre, label: "Diagnostic", quantity: 1, unitPrice: rng.francs(3_000, 5_000)), trip]
                planBill(
                    request, provider: index, completedAt: completedAt, invoiceAt: completedAt.addingTimeInterval(rng.minutes(5, 30)),
                    lines: lines, payment: nil, rated: nil)
                return
            }
            repairAt = max(repairAt, decisionAt.addingTimeInterval(rng.minutes(2, 10)))
        }

        timeline.at(repairAt) { writer in try writer.event(request.ref, .repairing, by: .provider, provider: provider.ref) }
        for (offset, material) in materials.enumerated() {
            timeline.at(repairAt.addingTimeInterval(Double(offset + 1) * rng.minutes(3, 6))) { writer in
                try writer.insert(
                    MissionMaterialRecord(
                        id: writer.newId(), requestId: try request.ref.id(), providerId: try provider.ref.id(), label: material.label,
                        quantity: Int64(material.quantity), unitPrice: Int64(material.unitPrice), recordedAt: writer.stamp))
            }
        }
        var completedAt = repairAt.addingTimeInterval(timing.repairDuration)
        var current = session
        if timing.repairDuration > 150 * 60 {
            // A long job: the timer is paused for lunch, then a second work session.
            let pauseAt = repairAt.addingTimeInterval(rng.minutes(60, 90))
            let resumeAt = pauseAt.addingTimeInterval(rng.minutes(40, 60))
            completedAt = completedAt.addingTimeInterval(resumeAt.timeIntervalSince(pauseAt))
            let resumed = RowRef()
            timeline.at(pauseAt) { writer in try writer.stop(session) }
            timeline.at(resumeAt) { writer in
                try writer.insert(
                    MissionWorkSessionRecord(
                        id: writer.newId(), requestId: try request.ref.id(), providerId: try provider.ref.id(), startedAt: writer.stamp),
                    as: resumed)
            }
            current = resumed
        }
        if takesPhotos {
            timeline.at(completedAt.addingTimeInterval(-rng.minutes(1, 4))) { writer in
                try writer.photo(named: "\(service)-apres-\(photoIndex)", kind: .after, request: request.ref, provider: provider.ref)
            }
        }
        let finished = current
        timeline.at(completedAt, rows: 3) { writer in
            try writer.event(request.ref, .completed, by: .provider, provider: provider.ref)
            try writer.stop(finished)
            try writer.message(
                provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing,
                body: DemoTemplates.reply("reparation_terminee"), template: "reparation_terminee")
        }
        planBill(
            request, provider: index, completedAt: completedAt, invoiceAt: completedAt.addingTimeInterval(timing.invoiceAfter),
            lines: [labour] + materials + [trip], payment: script?.payment, rated: script?.rated)
    }

    // MARK: - Timing

    private mutating func sampleTiming(_ request: PlannedRequest, acceptedAt: Date) -> MissionTiming {
        let arrival: Date
        switch request.urgency {
        case .urgent:
            arrival = acceptedAt.addingTimeInterval(rng.minutes(20, 75))
        case .aujourdhui:
            arrival = daytime(acceptedAt.addingTimeInterval(rng.minutes(60, 300)))
        case .cetteSemaine, .planifie:
            let wished = request.wishedAt ?? acceptedAt.addingTimeInterval(rng.minutes(1_440, 3 * 1_440))
            arrival = max(acceptedAt.addingTimeInterval(rng.minutes(45, 120)), wished.addingTimeInterval(rng.minutes(-20, 40)))
        }
        let job = request.job
        return MissionTiming(
            arrival: arrival, diagnoseAfter: rng.minutes(10, 35), repairAfter: rng.minutes(5, 20),
            repairDuration: rng.minutes(Double(job.repairMinutes.lowerBound), Double(job.repairMinutes.upperBound)),
            invoiceAfter: rng.minutes(5, 40))
    }

    // MARK: - Contact

    /// A greeting after acceptance, sometimes a question ("Demander des précisions") and a call.
    private mutating func planFirstContact(_ request: PlannedRequest, provider: DemoProvider, acceptedAt: Date) {
        let client = request.client
        let greeting = DemoCatalogue.greeting(
            rng.pick(DemoCatalogue.greetings), client: client.firstName, provider: provider.firstName, title: request.job.title)
        timeline.at(acceptedAt.addingTimeInterval(rng.minutes(1, 4))) { writer in
            try writer.message(provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing, body: greeting)
        }
        if rng.chance(0.4) {
            let question = rng.pick(DemoTemplates.questions)
            let askedAt = acceptedAt.addingTimeInterval(rng.minutes(3, 10))
            let answer = rng.pick(DemoCatalogue.clientAnswers)
            timeline.at(askedAt) { writer in
                try writer.message(
                    provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing, body: question.body,
                    template: question.code)
            }
            timeline.at(askedAt.addingTimeInterval(rng.minutes(2, 40))) { writer in
                try writer.message(provider: provider.ref, client: client.ref, request: request.ref, direction: .incoming, body: answer)
            }
        }
        if rng.chance(0.55) {
            let direction = rng.weighted([(CallDirection.out, 70.0), (.in, 20), (.missed, 10)])
            let duration = direction == .missed ? 0 : rng.int(25...280)
            let note = direction != .missed && rng.chance(0.5) ? rng.pick(DemoCatalogue.callNotes) : nil
            timeline.at(acceptedAt.addingTimeInterval(rng.minutes(2, 30))) { writer in
                try writer.insert(
                    CallLogRecord(
                        id: writer.newId(), providerId: try provider.ref.id(), clientId: try client.ref.id(), requestId: try request.ref.id(),
                        direction: direction, startedAt: writer.stamp, durationSeconds: Int64(duration), note: note))
            }
        }
    }

    // MARK: - Quote

    private mutating func planQuote(
        _ request: PlannedRequest, provider: DemoProvider, at quoteAt: Date, decisionAt: Date, accepted: Bool, lines: [BillLine]
    ) {
        let quote = RowRef()
        let client = request.client
        let total = lines.reduce(0) { $0 + $1.total }
        timeline.at(quoteAt, rows: 2 + lines.count) { writer in
            let providerId = try provider.ref.id()
            let number = writer.nextNumber(prefix: "D", provider: providerId)
            try writer.insert(
                QuoteRecord(
                    id: writer.newId(), requestId: try request.ref.id(), providerId: providerId, number: number, status: .envoye,
                    total: Int64(total), createdAt: writer.stamp, validUntil: UTCTimestamp.format(writer.now.addingTimeInterval(7 * 86_400))),
                as: quote)
            for (order, line) in lines.enumerated() {
                try writer.insert(
                    QuoteLineRecord(
                        id: writer.newId(), quoteId: try quote.id(), kind: line.kind, label: line.label, quantity: Int64(line.quantity),
                        unitPrice: Int64(line.unitPrice), lineOrder: Int64(order)))
            }
            try writer.message(
                provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing,
                body: "Voici le devis \(number) : \(XAF(total).formatted), valable 7 jours.")
        }
        timeline.at(decisionAt) { writer in
            try writer.update(quote, columns: [.status]) { (row: inout QuoteRecord) in row.status = accepted ? .accepte : .refuse }
        }
    }
}
