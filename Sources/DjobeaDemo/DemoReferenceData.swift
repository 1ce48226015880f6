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
            let now = ColumnValue(writer.now)
            if !reference.hubExists {
                try writer.tx.insert(.hubs, ["id": .text(reference.hubId), "name": .text(Bonamoussadi.hubName), "created_at": now])
            }
            for (index, zone) in quarters.enumerated() where !reference.existingZones.contains(zone.code) {
                try writer.tx.insert(
                    .zones,
                    [
                        "id": .text(reference.zoneIds[index]), "code": .text(zone.code), "name": .text(zone.nameFR), "hub_id": .text(reference.hubId),
                        "created_at": now,
                    ])
            }
            for service in ServiceCatalogue.builtIn where !reference.existingServices.contains(service.code) {
                try writer.tx.insert(
                    .services,
                    [
                        "id": .text(reference.serviceIds[service.code] ?? ""), "code": .text(service.code.rawValue), "name_fr": .text(service.nameFR),
                        "active": 1, "sort_order": ColumnValue(service.sortOrder),
                    ])
            }
            if !reference.hasCommissionRates {
                try writer.tx.insert(
                    .commissionRates, ["id": .text(general), "level": .null, "basis_points": 1_000, "effective_from": now, "created_at": now])
            }
            guard !reference.hasTemplates else { return }
            for (order, template) in DemoTemplates.replies.enumerated() {
                try writer.insert(
                    .messageTemplates,
                    ["kind": "reply", "code": .text(template.code), "body": .text(template.body), "sort_order": ColumnValue(order)])
            }
            for (order, template) in DemoTemplates.questions.enumerated() {
                try writer.insert(
                    .messageTemplates,
                    ["kind": "question", "code": .text(template.code), "body": .text(template.body), "sort_order": ColumnValue(10 + order)])
            }
            for template in DemoJobs.quoteTemplates {
                try writer.insert(
                    .quoteTemplates,
                    [
                        "service_id": .text(reference.serviceIds[template.service] ?? ""), "title": .text(template.title),
                        "lines": .text(DemoJobs.quoteTemplateJSON(template.lines)),
                    ])
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
                    .commissionRates,
                    [
                        "id": .text(id), "level": .text(level.rawValue), "basis_points": 800, "effective_from": ColumnValue(effective),
                        "created_at": ColumnValue(writer.now),
                    ])
            }
            for provider in notified where provider.joinedAt <= writer.now {
                try writer.notify(
                    provider.ref, "system", request: nil, title: "Commission réduite : 8 %",
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
                .messageTemplates,
                [
                    "provider_id": .text(providerId), "kind": "reply", "code": "en_route_30min",
                    "body": "Je suis en route, j'arrive dans 30 minutes (embouteillages à Maképè)", "sort_order": 5,
                ])
            try writer.insert(
                .messageTemplates,
                [
                    "provider_id": .text(providerId), "kind": "question", "code": "question_vanne",
                    "body": "Pouvez-vous fermer la vanne d'arrivée d'eau en attendant ?", "sort_order": 15,
                ])
            try writer.insert(
                .quoteTemplates,
                [
                    "service_id": .text(serviceId), "provider_id": .text(providerId), "title": "Forfait fuite évier (mon tarif)",
                    "lines": .text(
                        DemoJobs.quoteTemplateJSON([
                            ("main_oeuvre", "Réparation de fuite sous évier", 1, 12_000), ("materiel", "Siphon et joints", 1, 4_000),
                            ("deplacement", "Déplacement Bonamoussadi", 1, 1_000),
                        ])),
                ])
        }
    }
}
