import DjobeaDomain
import Testing

@Suite("Message states and inbound intents")
struct MessageDeliveryTests {
    @Test("states move forward only; a failure counts only before delivery")
    func forward() {
        #expect(DeliveryStatus.queued.advanced(by: .sent) == .sent)
        #expect(DeliveryStatus.queued.advanced(by: .read) == .read)
        #expect(DeliveryStatus.sent.advanced(by: .delivered) == .delivered)
        #expect(DeliveryStatus.read.advanced(by: .delivered) == nil)
        #expect(DeliveryStatus.delivered.advanced(by: .delivered) == nil)
        #expect(DeliveryStatus.sent.advanced(by: .failed) == .failed)
        #expect(DeliveryStatus.delivered.advanced(by: .failed) == nil)
        #expect(DeliveryStatus.failed.advanced(by: .read) == nil)
        #expect(DeliveryStatus.allCases.map(\.labelFR) == ["En file", "Envoyé", "Remis", "Lu", "Échec"])
    }

    @Test("buttons, digits, STOP")
    func intents() {
        #expect(InboundIntent.parse(text: "1 - J'accepte", buttonPayload: "creneau_oui") == .slotYes)
        #expect(InboundIntent.parse(text: nil, buttonPayload: "creneau_non") == .slotNo)
        #expect(InboundIntent.parse(text: "★★★★", buttonPayload: "note_4") == .rating(4, comment: nil))
        #expect(InboundIntent.parse(text: "4", buttonPayload: nil) == .digit(4, comment: nil))
        #expect(InboundIntent.parse(text: "5/5 très bon travail !", buttonPayload: nil) == .digit(5, comment: "très bon travail"))
        #expect(InboundIntent.parse(text: "2. Non merci", buttonPayload: nil) == .digit(2, comment: "Non merci"))
        #expect(InboundIntent.parse(text: "12 rue des palmiers", buttonPayload: nil) == .text)
        #expect(InboundIntent.parse(text: "6", buttonPayload: nil) == .text)
        #expect(InboundIntent.parse(text: " Stop ", buttonPayload: nil) == .stop)
        #expect(InboundIntent.parse(text: "ARRÊT", buttonPayload: nil) == .stop)
        #expect(InboundIntent.parse(text: "start", buttonPayload: nil) == .start)
        #expect(InboundIntent.parse(text: "Arrêtez de m'écrire svp", buttonPayload: nil) == .text)
    }

    @Test("templates render their variables in order")
    func render() {
        let text = WhatsAppTemplates.acceptance.render(["Awa", "Fuite", "Jean"])
        #expect(text == "Bonjour Awa, votre demande « Fuite » a été acceptée par Jean. Votre prestataire vous contactera très bientôt.")
        #expect(Set(WhatsAppTemplates.all.map(\.name)).count == WhatsAppTemplates.all.count)
        for template in WhatsAppTemplates.all {
            #expect(template.variables.count == template.examples.count, "\(template.name)")
            #expect(!template.render(template.examples).contains("{{"), "\(template.name)")
        }
    }
}
