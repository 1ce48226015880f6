import DjobeaGateway
import Testing

@Suite struct GatewayTypesTests {
    @Test func templateContentShowsItsFrenchText() {
        let content = ClientContent.template(TemplateCall(name: "demande_acceptee", parameters: ["Awa"], text: "Bonjour Awa"))
        #expect(content.text == "Bonjour Awa")
    }
}
