import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB

/// The hub's catalogue: hub, quarters, services, commission rate versions, message and quote templates.
enum DemoTemplates {
    /// The seed's quick replies.
    static let replies: [(code: String, body: String)] = [
        ("arrive_15min", "J'arrive dans 15 minutes"), ("diagnostic_en_cours", "Diagnostic en cours, je vous explique"),
        ("reparation_terminee", "Réparation terminée, tout fonctionne"), ("facture_envoyee", "Facture envoyée, merci pour votre confiance"),
    ]

    /// "Demander des précisions".
    static let questions: [(code: String, body: String)] = [
        ("question_photo", "Pouvez-vous m'envoyer une photo du problème ?"),
        ("question_repere", "Pouvez-vous me donner un point de repère près de chez vous ?"),
        ("question_horaire", "À quelle heure êtes-vous disponible ?"),
        ("question_appareil", "Quelle est la marque et le modèle de l'appareil ?"),
        ("question_depuis", "Depuis quand avez-vous ce problème ?"),
    ]

    static func reply(_ code: String) -> String {
        replies.first { $0.code == code }?.body ?? code
    }
}

extension DemoReference {
    /// Finds the reference rows already in the database (by their natural keys) or derives their ids.
    static func resolve(in db: Database) throws -> DemoReference {
        let found = try ReferenceRows.find(
            hubName: Bonamoussadi.hubName, zoneCodes: Bonamoussadi.quarters.map(\.code),
            serviceCodes: ServiceCatalogue.builtIn.map(\.code.rawValue), in: db)
        var zoneIds: [String] = []
        var existingZones: Set<String> = []
        for zone in Bonamoussadi.quarters {
            if let id = found.zoneIds[zone.code] {
                zoneIds.append(id)
                existingZones.insert(zone.code)
            } else {
                zoneIds.append(DjobeaID.derived(namespace: "zone", name: zone.code))
            }
        }
        var serviceIds: [ServiceCode: String] = [:]
        var existingServices: Set<ServiceCode> = []
        for service in ServiceCatalogue.builtIn {
            if let id = found.serviceIds[service.code.rawValue] {
                serviceIds[service.code] = id
                existingServices.insert(service.code)
            } else {
                serviceIds[service.code] = DjobeaID.derived(namespace: "service", name: service.code.rawValue)
            }
        }
        return DemoReference(
            hubId: found.hubId ?? DjobeaID.derived(namespace: "hub", name: Bonamoussadi.hubName), zoneIds: zoneIds, serviceIds: serviceIds,
            hubExists: found.hubId != nil, existingZones: existingZones, existingServices: existingServices,
            hasCommissionRates: found.hasCommissionRates, hasTemplates: found.hasSharedTemplates)
    }
}

extension DemoWorld {
    mutating func planReferenceData() {
        let reference = reference
        let quarters = quarters
        let general = DjobeaID.derived(namespace: "commission_rate", name: "general-" + calendar.dayKey(setupTime))
        timeline.at(setupTime, rows: 30) { writer in
            // Rows under fixed ids go straight to the transaction (they are not counted as generated rows).
            let now = writer.stamp
            if !reference.hubExists {
                try writer.tx.insert(HubRecord(id: reference.hubId, name: Bonamoussadi.hubName, createdAt: now))
            }
            for (index, zone) in quarters.enumerated() where !reference.existingZones.contains(zone.code) {
                try writer.tx.insert(
                    ZoneRecord(id: reference.zoneIds[index], code: zone.code, name: zone.nameFR, hubId: reference.hubId, createdAt: now))
            }
            for service in ServiceCatalogue.builtIn where !reference.existingServices.contains(service.code) {
                try writer.tx.insert(
                    ServiceRecord(
                        id: reference.serviceIds[service.code] ?? "", code: service.code.rawValue, nameFr: service.nameFR, active: true,
                        sortOrder: Int64(service.sortOrder)))
            }
            if !reference.hasCommissionRates {
                try writer.tx.insert(CommissionRateRecord(id: general, level: nil, basisPoints: 1_000, effectiveFrom: now, createdAt: now))
            }
            guard !reference.hasTemplates else { return }
            for (order, template) in DemoTemplates.replies.enumerated() {
                try writer.insert(
                    MessageTemplateRecord(id: writer.newId(), kind: .reply, code: template.code, body: template.body, sortOrder: Int64(order)))
            }
            for (order, template) in DemoTemplates.questions.enumerated() {
                try writer.insert(
                    MessageTemplateRecord(
                        id: writer.newId(), kind: .question, code: template.code, body: template.body, sortOrder: Int64(10 + order)))
            }
            for template in DemoJobs.quoteTemplates {
                try writer.insert(
                    QuoteTemplateRecord(
                        id: writer.newId(), serviceId: reference.serviceIds[template.service] ?? "", title: template.title,
                        lines: DemoJobs.quoteTemplateJSON(template.lines)))
            }
        }
        planRateVersion()
        planProviderTemplates()
    }

    /// A newer, lower rate for Or and Platine from the middle of the period; the general 10 % stays in force for the others.
    private mutating func planRateVersion() {
        guard !reference.hasCommissionRates else { return }
        let effective = windowStart.addingTimeInterval(Double(days / 2) * 86_400)
        let created = max(setupTime, effective.addingTimeInterval(-7 * 86_400))
        let ids = [ProviderLevel.or, .platine].map {
            ($0, DjobeaID.derived(namespace: "commission_rate", name: "\($0.rawValue)-" + calendar.dayKey(effective)))
        }
        let notified = providers.filter { $0.level >= .or }
        let label = DemoCatalogue.dayLabel(effective)
        timeline.at(created, rows: 2 + notified.count) { writer in
            for (level, id) in ids {
                try writer.tx.insert(
                    CommissionRateRecord(
                        id: id, level: level, basisPoints: 800, effectiveFrom: UTCTimestamp.format(effective), createdAt: writer.stamp))
            }
            for provider in notified where provider.joinedAt <= writer.now {
                try writer.notify(
                    provider.ref, .system, request: nil, title: "Commission réduite : 8 %",
                    body: "Niveau \(provider.level.labelFR) : votre commission passe de 10 % à 8 % à partir du \(label).",
                    seenAt: writer.now.addingTimeInterval(3_600))
            }
        }
    }

    /// The demo providers' own quick replies and quote template.
    private mutating func planProviderTemplates() {
        guard let first = providers.first, first.isDemo else { return }
        let serviceId = reference.serviceIds[first.services[0]] ?? ""
        timeline.at(first.joinedAt.addingTimeInterval(2 * 86_400), rows: 3) { writer in
            let providerId = try first.ref.id()
            try writer.insert(
                MessageTemplateRecord(
                    id: writer.newId(), providerId: providerId, kind: .reply, code: "en_route_30min",
                    body: "Je suis en route, j'arrive dans 30 minutes (embouteillages à Maképè)", sortOrder: 5))
            try writer.insert(
                MessageTemplateRecord(
                    id: writer.newId(), providerId: providerId, kind: .question, code: "question_vanne",
                    body: "Pouvez-vous fermer la vanne d'arrivée d'eau en attendant ?", sortOrder: 15))
            try writer.insert(
                QuoteTemplateRecord(
                    id: writer.newId(), serviceId: serviceId, providerId: providerId, title: "Forfait fuite évier (mon tarif)",
                    lines: DemoJobs.quoteTemplateJSON([
                        (.mainOeuvre, "Réparation de fuite sous évier", 1, 12_000), (.materiel, "Siphon et joints", 1, 4_000),
                        (.deplacement, "Déplacement Bonamoussadi", 1, 1_000),
                    ])))
        }
    }
}
