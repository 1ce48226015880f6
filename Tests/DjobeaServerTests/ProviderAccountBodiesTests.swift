import DjobeaServer
import Foundation
import Testing

@Suite("Profile and settings bodies: snake_case keys decode, unknown keys are listed for the store to refuse")
struct ProviderAccountBodiesTests {
    @Test("PUT /provider/profile: rates, certifications and ops-owned fields decode; unknown keys are listed, sorted")
    func profile() throws {
        let body =
            #"{"bio": "Électricien", "rates": [{"service_code": "electricite", "rate_min": 3000, "rate_max": 9000}], "add_certifications": [{"title": "CAP Électricité", "obtained_on": "2015-06-30"}], "photo_sha256": "", "home_zone": "makepe"}"#
        let changes = try JSONCoding.decoder.decode(ProfileBody.self, from: Data(body.utf8)).changes
        #expect(changes.unknownFields.isEmpty)
        #expect(changes.bio == "Électricien" && changes.photoSHA256 == "" && changes.homeZone == "makepe")
        #expect(changes.rates == [.init(serviceCode: "electricite", rateMin: 3000, rateMax: 9000)])
        #expect(changes.addCertifications == [.init(title: "CAP Électricité", obtainedOn: "2015-06-30")])

        let unknown = try JSONCoding.decoder.decode(ProfileBody.self, from: Data(#"{"bio": "x", "level_label": "Or", "biography": "y"}"#.utf8))
        #expect(unknown.changes.unknownFields == ["biography", "level_label"] && unknown.changes.bio == "x")
    }

    @Test("PUT /provider/settings: known keys decode, unknown keys are listed")
    func settings() throws {
        let body = #"{"notification_sound": false, "working_hours": {"start": "09:00", "end": "17:00", "days": [1, 2, 3]}, "theme": "dark"}"#
        let changes = try JSONCoding.decoder.decode(SettingsBody.self, from: Data(body.utf8)).changes
        #expect(changes.unknownFields == ["theme"] && changes.notificationSound == false)
        #expect(changes.workingHours?.start == "09:00" && changes.workingHours?.days == [1, 2, 3])
    }
}
