import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct CatalogueTests {
    @Test func builtInServices() {
        #expect(ServiceCatalogue.builtIn.map(\.code) == [.plomberie, .electricite, .electromenager])
        #expect(ServiceCatalogue.builtIn.map(\.nameFR) == ["Plomberie", "Électricité", "Réparation électroménager"])
        #expect(ServiceCatalogue.builtIn.map(\.sortOrder) == ServiceCatalogue.builtIn.map(\.sortOrder).sorted())
        #expect(ServiceCatalogue.builtIn.allSatisfy { $0.code.isValid })
        #expect(ServiceCatalogue.builtInDefinition(.electricite)?.nameFR == "Électricité")
        #expect(ServiceCatalogue.builtInDefinition(ServiceCode("menuiserie")) == nil)
    }

    @Test(arguments: [
        ("plomberie", true), ("climatisation_auto", true), ("r2", true), ("ab", true),
        (String(repeating: "a", count: 40), true), (String(repeating: "a", count: 41), false),
        ("a", false), ("", false), ("Plomberie", false), ("électricité", false), ("plomberie-sanitaire", false),
        ("plomberie ", false), ("vitrerie!", false),
    ])
    func serviceCodeShape(_ code: String, valid: Bool) {
        #expect(ServiceCatalogue.isValidCode(code) == valid)
    }

    @Test func serviceCodeCodesAsAString() throws {
        let data = try JSONEncoder().encode([ServiceCode.plomberie])
        #expect(String(decoding: data, as: UTF8.self) == "[\"plomberie\"]")
        #expect(try JSONDecoder().decode([ServiceCode].self, from: data) == [.plomberie])
        #expect(ServiceCode(rawValue: "electricite") == .electricite)
    }

    @Test(arguments: [
        (Urgency.urgent, "urgent", "Urgent", 600.0),
        (.aujourdhui, "aujourd_hui", "Aujourd'hui", 1_800),
        (.cetteSemaine, "cette_semaine", "Cette semaine", 7_200),
        (.planifie, "planifie", "Planifié", 21_600),
    ])
    func urgency(_ urgency: Urgency, raw: String, label: String, window: TimeInterval) {
        #expect(urgency.rawValue == raw)
        #expect(urgency.labelFR == label)
        #expect(urgency.responseWindow == window)
    }

    @Test func urgencyPriorityFollowsDeclarationOrder() {
        #expect(Urgency.allCases.map(\.priority) == [0, 1, 2, 3])
    }

    @Test(arguments: [
        (DeclineReason.agendaPlein, "agenda_plein"), (.horsZone, "hors_zone"), (.horsCompetence, "hors_competence"),
        (.budgetInsuffisant, "budget_insuffisant"), (.indisponible, "indisponible"),
        (.distanceTropGrande, "distance_trop_grande"), (.autre, "autre"),
    ])
    func declineReasonCodes(_ reason: DeclineReason, raw: String) {
        #expect(reason.rawValue == raw)
        #expect(DeclineReason(rawValue: raw) == reason)
        #expect(!reason.labelFR.isEmpty)
    }

    @Test func declineLabelsAreDistinct() {
        #expect(Set(DeclineReason.allCases.map(\.labelFR)).count == DeclineReason.allCases.count)
        #expect(DeclineReason.agendaPlein.labelFR == "Agenda plein")
    }

    @Test func bonamoussadiQuarters() {
        let quarters = Bonamoussadi.quarters
        #expect(Bonamoussadi.hubName == "Bonamoussadi")
        #expect(quarters.count >= 8)
        #expect(Set(quarters.map(\.code)).count == quarters.count)
        #expect(Set(quarters.map(\.nameFR)).count == quarters.count)
        #expect(quarters.allSatisfy { $0.code.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "-") } })
        #expect(Bonamoussadi.quarter("makepe-missoke")?.nameFR == "Makepe Missoké")
        #expect(Bonamoussadi.quarter("akwa") == nil)
    }

    @Test func providerLevels() {
        #expect(ProviderLevel.allCases.map(\.labelFR) == ["Bronze", "Argent", "Or", "Platine"])
        #expect(ProviderLevel.allCases == ProviderLevel.allCases.sorted())
        #expect(ProviderLevel.bronze < .platine)
    }

    @Test(arguments: [
        ("+237 6 99 12 34 56", "+237699123456"),
        ("699123456", "+237699123456"),
        ("699 12 34 56", "+237699123456"),
        ("6.99.12.34.56", "+237699123456"),
        ("237699123456", "+237699123456"),
        ("00237699123456", "+237699123456"),
        ("00237 6 99-12-34-56", "+237699123456"),
        ("+237 (6) 99 12 34 56", "+237699123456"),
        ("+237\u{00A0}677\u{00A0}00\u{00A0}11\u{00A0}22", "+237677001122"),
        ("233 42 12 34", "+237233421234"),
        ("+237 233 42 12 34", "+237233421234"),
    ])
    func normalizesCameroonNumbers(_ input: String, expected: String) {
        #expect(PhoneNumber.normalizeCameroon(input) == expected)
    }

    @Test(arguments: [
        "", "69912345", "6991234567", "599123456", "+237599123456", "+33612345678", "+699123456", "0699123456",
        "+237 6991234567", "00+237699123456", "+00237699123456", "69912345a", "237 69912345", "6+99123456",
        "٦٩٩١٢٣٤٥٦",
    ])
    func rejectsOtherNumbers(_ input: String) {
        #expect(PhoneNumber.normalizeCameroon(input) == nil)
    }

    @Test func displaysInGroups() {
        #expect(PhoneNumber.displayCameroon("+237699123456") == "+237 6 99 12 34 56")
        #expect(PhoneNumber.displayCameroon("nope") == nil)
    }
}
