import DjobeaDomain
import DjobeaStore
import Foundation

/// How a client pays an invoice.
enum PaymentPlan: CaseIterable {
    /// In full before the provider leaves.
    case onSite
    /// In full within a few days, by mobile money mostly.
    case later
    /// Part on site, the rest days later (sometimes after the due date).
    case partialThenRest
    /// Part on site, never the rest.
    case partialOnly
    /// In full, but weeks later: the invoice was late.
    case late
    /// Cash recorded twice by mistake, the duplicate reversed (CONFLICTS.md rule 7).
    case doubleEntry
    /// Cash and MoMo for the same invoice: an overpayment alert (CONFLICTS.md rule 9).
    case overpaid
    case never

    static let weights: [(PaymentPlan, Double)] = [
        (.onSite, 59), (.later, 22), (.partialThenRest, 7), (.partialOnly, 2), (.late, 4), (.doubleEntry, 1), (.overpaid, 0.4), (.never, 4.6),
    ]
}

/// One planned ledger write.
private struct PlannedPayment {
    let time: Date
    let amount: Int
    let method: PaymentMethod
    var reverses: RowRef?
    let entry = RowRef()
}

extension DemoWorld {
    /// The invoice (with Djobea's commission), the payments, reminders when late, and the client's rating.
    mutating func planBill(
        _ request: PlannedRequest, provider index: Int, completedAt: Date, invoiceAt: Date, lines: [BillLine], payment: PaymentPlan?,
        rated: Bool?
    ) {
        let provider = providers[index]
        let client = request.client
        let total = lines.reduce(0) { $0 + $1.total }
        let dueAt = invoiceAt.addingTimeInterval(7 * 86_400)
        let invoice = RowRef()
        timeline.at(invoiceAt, rows: 5 + lines.count) { writer in
            let providerId = try provider.ref.id()
            invoice.number = writer.nextNumber(prefix: "F", provider: providerId)
            try writer.insert(
                InvoiceRecord(
                    id: writer.newId(), requestId: try request.ref.id(), providerId: providerId, clientId: try client.ref.id(),
                    number: invoice.number, total: Int64(total), issuedAt: writer.stamp, dueAt: UTCTimestamp.format(dueAt), sentAt: writer.stamp),
                as: invoice)
            for (order, line) in lines.enumerated() {
                try writer.insert(
                    InvoiceLineRecord(
                        id: writer.newId(), invoiceId: try invoice.id(), kind: line.kind, label: line.label, quantity: Int64(line.quantity),
                        unitPrice: Int64(line.unitPrice), lineOrder: Int64(order)))
            }
            try writer.tx.deriveCommission(requestId: try request.ref.id())
            try writer.message(
                provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing,
                body: DemoTemplates.reply("facture_envoyee"), template: "facture_envoyee")
        }

        let payments = samplePayments(plan: payment ?? rng.weighted(PaymentPlan.weights), total: total, invoiceAt: invoiceAt)
        var paid = 0
        var fullyPaidAt: Date?
        for planned in payments {
            planPayment(planned, request: request, provider: provider, invoice: invoice)
            if planned.reverses == nil, fullyPaidAt == nil {
                paid += planned.amount
                if paid >= total { fullyPaidAt = planned.time }
            }
        }
        if let last = payments.last, fullyPaidAt != nil, rng.chance(0.3) {
            let thanks = rng.pick(DemoCatalogue.clientThanks)
            timeline.at(last.time.addingTimeInterval(rng.minutes(1, 30))) { writer in
                try writer.message(provider: provider.ref, client: client.ref, request: request.ref, direction: .incoming, body: thanks)
            }
        }
        planReminders(request, provider: provider, invoice: invoice, total: total, dueAt: dueAt, payments: payments, fullyPaidAt: fullyPaidAt)

        var stars: Int?
        if rated ?? rng.chance(0.82) {
            let ratedAt = completedAt.addingTimeInterval(rng.chance(0.6) ? rng.minutes(60, 360) : rng.minutes(360, 2_880))
            // Mostly 4–5 stars, improving over the months; now and then a bad experience.
            let mean = provider.quality - 0.2 + 0.35 * progress(ratedAt)
            let value = rng.chance(0.04) ? rng.weighted([(1, 1.0), (2, 2)]) : min(5, max(3, Int((mean + rng.normal(sd: 0.6)).rounded())))
            let comment = rng.chance(0.65) ? DemoCatalogue.comments[value].map { rng.pick($0) } : nil
            let happened = timeline.at(ratedAt) { writer in
                try writer.insert(
                    RatingRecord(
                        id: writer.newId(), requestId: try request.ref.id(), clientId: try client.ref.id(), providerId: try provider.ref.id(),
                        stars: Int64(value), comment: comment, createdAt: writer.stamp))
            }
            if happened { stars = value }
        }
        if completedAt <= now {
            stats.completions.append(.init(provider: index, completedAt: completedAt, total: total, stars: stars))
        }
    }

    // MARK: - Payments

    private mutating func samplePayments(plan: PaymentPlan, total: Int, invoiceAt: Date) -> [PlannedPayment] {
        let onSiteMethod = rng.weighted([(PaymentMethod.cash, 55.0), (.mtnMomo, 30), (.orangeMoney, 15)])
        let laterMethod = rng.weighted([(PaymentMethod.mtnMomo, 55.0), (.orangeMoney, 30), (.cash, 15)])
        let onSite = invoiceAt.addingTimeInterval(rng.minutes(2, 45))
        let part = min(total - 500, rng.francs(total * 4 / 10, total * 7 / 10))
        let plan = (plan == .partialThenRest || plan == .partialOnly) && part <= 0 ? .onSite : plan
        switch plan {
        case .onSite:
            return [PlannedPayment(time: onSite, amount: total, method: onSiteMethod)]
        case .later:
            return [PlannedPayment(time: daytime(invoiceAt.addingTimeInterval(rng.minutes(120, 6 * 1_440))), amount: total, method: laterMethod)]
        case .partialThenRest:
            return [
                PlannedPayment(time: onSite, amount: part, method: onSiteMethod),
                PlannedPayment(
                    time: daytime(invoiceAt.addingTimeInterval(rng.minutes(2 * 1_440, 12 * 1_440))), amount: total - part, method: laterMethod),
            ]
        case .partialOnly:
            return [PlannedPayment(time: onSite, amount: part, method: onSiteMethod)]
        case .late:
            return [
                PlannedPayment(time: daytime(invoiceAt.addingTimeInterval(rng.minutes(9 * 1_440, 25 * 1_440))), amount: total, method: laterMethod)
            ]
        case .doubleEntry:
            let first = PlannedPayment(time: onSite, amount: total, method: .cash)
            let duplicate = PlannedPayment(time: onSite.addingTimeInterval(rng.minutes(1, 3)), amount: total, method: .cash)
            let reversal = PlannedPayment(
                time: duplicate.time.addingTimeInterval(rng.minutes(10, 60)), amount: total, method: .cash, reverses: duplicate.entry)
            return [first, duplicate, reversal]
        case .overpaid:
            return [
                PlannedPayment(time: onSite, amount: total, method: .cash),
                PlannedPayment(
                    time: onSite.addingTimeInterval(rng.minutes(60, 180)), amount: total, method: laterMethod == .cash ? .mtnMomo : laterMethod),
            ]
        case .never:
            return []
        }
    }

    private mutating func planPayment(_ payment: PlannedPayment, request: PlannedRequest, provider: DemoProvider, invoice: RowRef) {
        let transactionId = payment.method.requiresOperatorReference && payment.reverses == nil ? operatorRef(payment.method, at: payment.time) : nil
        let recordedBy: ActorRole = payment.method == .cash || rng.chance(0.7) ? .provider : .system
        let seenAt = payment.time.addingTimeInterval(rng.minutes(2, 240))
        let seen = seenAt <= now ? seenAt : nil
        let clientName = request.client.name
        timeline.at(payment.time, rows: 2) { writer in
            if let reversed = payment.reverses {
                let entry = try writer.tx.appendLedgerEntry(
                    requestId: try request.ref.id(), providerId: try provider.ref.id(), invoiceId: try invoice.id(), kind: .reversal, method: nil,
                    operatorRef: nil, amount: XAF(payment.amount), reversesEntryId: try reversed.id(), recordedBy: .provider, id: writer.newId())
                payment.entry.assign(entry.id)
                return
            }
            let entry = try writer.tx.appendLedgerEntry(
                requestId: try request.ref.id(), providerId: try provider.ref.id(), invoiceId: try invoice.id(), kind: .payment,
                method: payment.method, operatorRef: transactionId, amount: XAF(payment.amount), recordedBy: recordedBy, id: writer.newId())
            payment.entry.assign(entry.id)
            try writer.notify(
                provider.ref, .paymentReceived, request: request.ref, title: "Paiement reçu : \(XAF(payment.amount).formatted)",
                body: "\(payment.method.labelFR) · Facture \(invoice.number) · \(clientName)", seenAt: seen)
        }
    }

    // MARK: - Reminders

    /// A reminder the day after the due date and another four days later, while the invoice is not paid.
    private mutating func planReminders(
        _ request: PlannedRequest, provider: DemoProvider, invoice: RowRef, total: Int, dueAt: Date, payments: [PlannedPayment], fullyPaidAt: Date?
    ) {
        let client = request.client
        for (attempt, delay) in [1.0, 5.0].enumerated() {
            let at = local(dueAt.addingTimeInterval(delay * 86_400), hour: rng.int(9...10), minute: rng.int(0...59))
            if let fullyPaidAt, fullyPaidAt <= at { return }
            let remaining = total - payments.filter { $0.reverses == nil && $0.time <= at }.reduce(0) { $0 + $1.amount }
            guard remaining > 0 else { return }
            let channel: MessageChannel = rng.chance(0.8) ? .whatsapp : .sms
            let status = rng.weighted([(DeliveryStatus.read, 55.0), (.delivered, 35), (.sent, 8), (.failed, 2)])
            let message = RowRef()
            let seen = seen(after: at)
            timeline.at(at, rows: 3) { writer in
                let body =
                    "Bonjour \(client.firstName), petit rappel : la facture \(invoice.number) de \(XAF(total).formatted) attend encore "
                    + "\(XAF(remaining).formatted). Vous pouvez payer en espèces, par MTN MoMo ou Orange Money. Merci !"
                try writer.message(
                    provider: provider.ref, client: client.ref, request: request.ref, direction: .outgoing, body: body, channel: channel,
                    status: status, ref: message)
                try writer.insert(
                    PaymentReminderRecord(
                        id: writer.newId(), invoiceId: try invoice.id(), channel: channel, sentAt: writer.stamp, messageId: try message.id()))
                if attempt == 0 {
                    try writer.notify(
                        provider.ref, .invoiceLate, request: request.ref, title: "Facture en retard",
                        body: "La facture \(invoice.number) (\(client.name)) a dépassé son échéance. Un rappel a été envoyé.", seenAt: seen)
                }
            }
        }
    }
}
