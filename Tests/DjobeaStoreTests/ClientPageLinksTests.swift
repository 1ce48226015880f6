import DjobeaStore
import Foundation
import Testing

@Suite("Client page links: the token signed by the hub that made it")
struct ClientPageLinksTests {
    static let hub = "019c1311-ce60-719f-9064-b619d49d3539"
    static let links = ClientPageLinks(base: "https://djobea.cm/", signer: hub, secret: "secret-de-synchro-du-hub")
    static let token = "Q2xpZW50UGFnZVRva2VuQUJDRC1fMDEy"

    @Test("a link is base/c/token.signer.signature, 22 characters of signature, and it parses back")
    func shape() throws {
        let url = Self.links.url(token: Self.token)
        #expect(url.hasPrefix("https://djobea.cm/c/\(Self.token).\(Self.hub)."))
        let parts = try #require(ClientPageLinks.parse(String(url.dropFirst("https://djobea.cm/c/".count))))
        #expect(parts.token == Self.token && parts.signer == Self.hub && parts.signature.count == 22)
        #expect(Self.links.verifies(token: parts.token, signature: parts.signature))
        #expect(url == Self.links.url(token: Self.token), "the same link every time: resending a quote sends the same link")
    }

    @Test("a hub's key comes from central's master key and the hub's id only: the same after a re-enrolment, another per hub")
    func hubKeys() {
        let key = ClientPageLinks.hubKey(master: "clé maîtresse", hubId: Self.hub)
        #expect(key == ClientPageLinks.hubKey(master: "clé maîtresse", hubId: Self.hub) && key.count == 43)
        #expect(key != ClientPageLinks.hubKey(master: "clé maîtresse", hubId: "019c1311-ce60-719f-9064-b619d49d3540"))
        #expect(key != ClientPageLinks.hubKey(master: "autre clé", hubId: Self.hub))
        let signed = ClientPageLinks(base: "https://djobea.cm", signer: Self.hub, secret: key)
        let checking = ClientPageLinks(
            base: "https://djobea.cm", signer: Self.hub, secret: ClientPageLinks.hubKey(master: "clé maîtresse", hubId: Self.hub))
        let parts = ClientPageLinks.parse(String(signed.url(token: Self.token).dropFirst("https://djobea.cm/c/".count)))
        #expect(parts.map { checking.verifies(token: $0.token, signature: $0.signature) } == true)
    }

    @Test("another key, another token, a changed character or a malformed component: refused")
    func refusals() throws {
        let url = Self.links.url(token: Self.token)
        let signature = try #require(ClientPageLinks.parse(String(url.split(separator: "/").last ?? ""))).signature
        let other = ClientPageLinks(base: "https://djobea.cm", signer: Self.hub, secret: "un autre secret")
        #expect(!other.verifies(token: Self.token, signature: signature))
        #expect(!Self.links.verifies(token: Self.token + "x", signature: signature))
        let flipped = String(signature.dropLast()) + (signature.hasSuffix("A") ? "B" : "A")
        #expect(!Self.links.verifies(token: Self.token, signature: flipped))
        for component in [
            Self.token, "\(Self.token).\(Self.hub)", "\(Self.token).\(Self.hub).\(signature).x", "\(Self.token)..\(signature)",
            "short.\(Self.hub).\(signature)", "\(Self.token).\(Self.hub).\(signature.dropLast())", "\(Self.token).h%27b.\(signature)",
            String(repeating: "A", count: 300),
        ] {
            #expect(ClientPageLinks.parse(component) == nil, "\(component)")
        }
    }
}
