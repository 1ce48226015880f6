import Foundation
import Testing

@testable import DjobeaDomain

/// Fixtures shared by the offer tests: one service, one zone, Wednesday 10:00 in Douala.
enum OfferFixture {
    static let service = "service-plomberie"
    static let zone = "zone-bonamoussadi"
    static let wednesday10 = douala(2026, 11, 25, 10)

    static func candidate(_ id: String = "p-1", _ change: (inout OfferCandidate) -> Void = { _ in }) -> OfferCandidate {
        var candidate = OfferCandidate(providerId: id, serviceIds: [service, "service-autre"], zoneIds: [zone])
        change(&candidate)
        return candidate
    }

    /// Made a quarter of an hour before `wednesday10` unless told otherwise.
    static func request(
        _ urgency: Urgency = .aujourdhui, createdAt: Date = wednesday10.addingTimeInterval(-15 * 60),
        _ change: (inout OfferRequest) -> Void = { _ in }
    ) -> OfferRequest {
        var request = OfferRequest(id: "r-1", clientId: "c-1", serviceId: service, zoneId: zone, urgency: urgency, createdAt: createdAt)
        change(&request)
        return request
    }
}

@Suite("Offer eligibility")
struct OfferEligibilityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var candidate: OfferCandidate = OfferFixture.candidate()
        var request: OfferRequest = OfferFixture.request()
        var at: Date = OfferFixture.wednesday10
        var urgentOutsideHours = true
        var expected: OfferVerdict
        var testDescription: String { name }
    }

    static let now = OfferFixture.wednesday10
    static let hour: TimeInterval = 3_600

    static let cases: [Case] = [
        Case(name: "right service and zone, in hours", expected: .eligible),
        Case(name: "other service", candidate: OfferFixture.candidate { $0.serviceIds = ["service-autre"] }, expected: .ineligible(.wrongService)),
        Case(name: "other zone", candidate: OfferFixture.candidate { $0.zoneIds = ["zone-akwa"] }, expected: .ineligible(.outsideZone)),
        Case(name: "suspended", candidate: OfferFixture.candidate { $0.accountStatus = .suspended }, expected: .ineligible(.suspended)),
        Case(
            name: "suspended and away: suspension is reported first",
            candidate: OfferFixture.candidate {
                $0.accountStatus = .suspended
                $0.awayMode = true
            }, expected: .ineligible(.suspended)),
        Case(name: "away without end", candidate: OfferFixture.candidate { $0.awayMode = true }, expected: .ineligible(.away)),
        Case(
            name: "away until tomorrow",
            candidate: OfferFixture.candidate {
                $0.awayMode = true
                $0.awayUntil = now.addingTimeInterval(24 * hour)
            }, expected: .ineligible(.away)),
        Case(
            name: "away until yesterday: available again",
            candidate: OfferFixture.candidate {
                $0.awayMode = true
                $0.awayUntil = now.addingTimeInterval(-24 * hour)
            }, expected: .eligible),
        Case(
            name: "away until exactly now: available",
            candidate: OfferFixture.candidate {
                $0.awayMode = true
                $0.awayUntil = now
            }, expected: .eligible),
        Case(
            name: "away date without the flag", candidate: OfferFixture.candidate { $0.awayUntil = now.addingTimeInterval(hour) }, expected: .eligible
        ),
        Case(
            name: "absence spanning now",
            candidate: OfferFixture.candidate {
                $0.absences = [DateInterval(start: now.addingTimeInterval(-48 * hour), end: now.addingTimeInterval(48 * hour))]
            },
            expected: .ineligible(.absent)),
        Case(
            name: "absence starting now",
            candidate: OfferFixture.candidate { $0.absences = [DateInterval(start: now, duration: hour)] }, expected: .ineligible(.absent)),
        Case(
            name: "absence ended now",
            candidate: OfferFixture.candidate { $0.absences = [DateInterval(start: now.addingTimeInterval(-hour), end: now)] }, expected: .eligible),
        Case(
            name: "absent at the wished slot",
            candidate: OfferFixture.candidate { $0.absences = [DateInterval(start: now.addingTimeInterval(48 * hour), duration: 72 * hour)] },
            request: OfferFixture.request(.planifie) { $0.wishedAt = now.addingTimeInterval(72 * hour) }, expected: .ineligible(.absent)),
        Case(
            name: "absence after the wished slot",
            candidate: OfferFixture.candidate { $0.absences = [DateInterval(start: now.addingTimeInterval(96 * hour), duration: 72 * hour)] },
            request: OfferFixture.request(.planifie) { $0.wishedAt = now.addingTimeInterval(72 * hour) }, expected: .eligible),
        Case(name: "already declined", candidate: OfferFixture.candidate { $0.offerState = .declined }, expected: .ineligible(.alreadyOffered)),
        Case(name: "already let it expire", candidate: OfferFixture.candidate { $0.offerState = .expired }, expected: .ineligible(.alreadyOffered)),
        Case(name: "offer pending", candidate: OfferFixture.candidate { $0.offerState = .pending }, expected: .ineligible(.alreadyOffered)),
        Case(name: "07:59 Douala", at: douala(2026, 11, 25, 7, 59), expected: .ineligible(.outsideWorkingHours)),
        Case(name: "08:00 Douala", at: douala(2026, 11, 25, 8, 0), expected: .eligible),
        Case(name: "17:59 Douala", at: douala(2026, 11, 25, 17, 59), expected: .eligible),
        Case(name: "18:00 Douala", at: douala(2026, 11, 25, 18, 0), expected: .ineligible(.outsideWorkingHours)),
        Case(name: "Saturday", at: douala(2026, 11, 28, 10), expected: .ineligible(.outsideWorkingHours)),
        Case(name: "Sunday", at: douala(2026, 11, 29, 10), expected: .ineligible(.outsideWorkingHours)),
        Case(
            name: "Saturday for a Saturday worker",
            candidate: OfferFixture.candidate { $0.workingHours.days = [1, 2, 3, 4, 5, 6] }, at: douala(2026, 11, 28, 10), expected: .eligible),
        Case(name: "urgent in hours", request: OfferFixture.request(.urgent), expected: .eligible),
        Case(name: "urgent at 21:00", request: OfferFixture.request(.urgent), at: douala(2026, 11, 25, 21), expected: .eligibleOutsideHours),
        Case(name: "urgent on Sunday", request: OfferFixture.request(.urgent), at: douala(2026, 11, 29, 10), expected: .eligibleOutsideHours),
        Case(
            name: "urgent at 21:00, policy keeps hours", request: OfferFixture.request(.urgent), at: douala(2026, 11, 25, 21),
            urgentOutsideHours: false, expected: .ineligible(.outsideWorkingHours)),
        Case(
            name: "urgent never reaches an absent provider",
            candidate: OfferFixture.candidate { $0.absences = [DateInterval(start: now.addingTimeInterval(-hour), duration: 48 * hour)] },
            request: OfferFixture.request(.urgent), at: douala(2026, 11, 25, 21), expected: .ineligible(.absent)),
        Case(
            name: "urgent never reaches a provider away",
            candidate: OfferFixture.candidate { $0.awayMode = true }, request: OfferFixture.request(.urgent), expected: .ineligible(.away)),
    ]

    @Test(arguments: cases)
    func verdict(_ testCase: Case) {
        let verdict = OfferEligibility.check(testCase.candidate, testCase.request, at: testCase.at, urgentOutsideHours: testCase.urgentOutsideHours)
        #expect(verdict == testCase.expected)
        #expect(verdict.isEligible == (testCase.expected.reason == nil))
    }

    @Test func reasonsSayWhatHappensToAPendingOffer() {
        let withdrawn = OfferIneligibility.allCases.filter(\.withdrawsPendingOffer)
        #expect(withdrawn == [.wrongService, .outsideZone, .suspended, .away, .absent])
        #expect(OfferIneligibility.allCases.filter(\.isTemporary) == [.away, .absent, .outsideWorkingHours])
        #expect(OfferIneligibility.allCases.allSatisfy { !$0.labelFR.isEmpty })
    }
}
