import DjobeaSync
import Testing

/// The version rule of SPEC.md §9.1: central serves its own protocol version and the one before.
@Suite("Protocol versions served by central")
struct ProtocolVersionRuleTests {
    @Test("a central at version 2 serves hubs at 2 and 1, refuses 0 as too old and 3 as too new")
    func rangeOfACentralAtTwo() {
        let served = ServedProtocols(current: 2)
        #expect(served.minimum == 1)
        #expect(served.admission(of: 2) == .accepted)
        #expect(served.admission(of: 1) == .accepted)
        #expect(served.admission(of: 0) == .tooOld)
        #expect(served.admission(of: -4) == .tooOld)
        #expect(served.admission(of: 3) == .tooNew)
        #expect(ServedProtocols(current: 5).minimum == 4)
        #expect(ServedProtocols(current: 5).admission(of: 3) == .tooOld, "two versions behind")
    }

    @Test("this build serves its own version and the one before, never below 1")
    func thisBuild() {
        let served = ServedProtocols.thisBuild
        #expect(served.current == syncProtocolVersion)
        #expect(served.minimum == max(1, syncProtocolVersion - 1))
        #expect(served.admission(of: syncProtocolVersion) == .accepted)
        #expect(served.admission(of: syncProtocolVersion + 1) == .tooNew)
        #expect(ServedProtocols(current: 1).minimum == 1)
        #expect(ServedProtocols(minimum: 7, current: 3) == ServedProtocols(minimum: 3, current: 3), "the minimum is clamped to the current")
    }

    @Test("central's answers say the versions it serves in the Djobea-Protocol header, and a hub reads them back")
    func header() {
        #expect(ServedProtocols(current: 2).headerValue == "2; min=1")
        #expect(ServedProtocols.parse(header: "2; min=1") == ServedProtocols(current: 2))
        #expect(ServedProtocols.parse(header: "3;min=3") == ServedProtocols(minimum: 3, current: 3))
        #expect(ServedProtocols.parse(header: "1") == ServedProtocols(minimum: 1, current: 1), "a hub's header: the version alone")
        #expect(ServedProtocols.parse(header: "deux") == nil)
        #expect(ServedProtocols.parse(header: "2; min=x") == nil)
    }

    @Test("a hub too old gets a 426 in French naming the versions and the upgrade to do; a hub too new a 409 asking for central first")
    func refusals() {
        let served = ServedProtocols(current: 2)
        #expect(throws: Never.self) { try served.admit(1) }
        let old = #expect(throws: SyncError.self) { try served.admit(0) }
        #expect(old?.status == 426)
        #expect(old?.code == "sync_protocol_too_old")
        let oldMessage = old?.messageFR ?? ""
        for text in [protocolTooOldNoticeFR, "protocole de synchronisation 0", "les versions 1 à 2", "Mettez à jour djobea sur ce hub", "hors ligne"]
        {
            #expect(oldMessage.contains(text), "« \(text) » in « \(oldMessage) »")
        }
        #expect(old?.isProtocolTooOld == true)
        let new = #expect(throws: SyncError.self) { try served.admit(3) }
        #expect(new?.status == 409)
        #expect(new?.code == "sync_protocol_too_new")
        #expect(new?.messageFR.contains("mettez d'abord à jour le central") == true)
        #expect(new?.isProtocolTooOld == false)
        let single = #expect(throws: SyncError.self) { try ServedProtocols(current: 1).admit(0) }
        #expect(single?.messageFR.contains("le central sert la version 1") == true)
    }

    @Test("a hub takes any 426 from central as too old, also the code of earlier releases; other refusals are not")
    func hubReadsRefusals() {
        #expect(SyncError.server(426, "sync_protocol_too_old", "…").isProtocolTooOld)
        #expect(SyncError.server(426, "sync_protocol_unsupported", "Version de protocole 0 non prise en charge").isProtocolTooOld)
        #expect(!SyncError.server(409, "sync_protocol_too_new", "…").isProtocolTooOld)
        #expect(!SyncError.server(503, "internal_error", "…").isProtocolTooOld)
        #expect(!SyncError.unreachable("coupé").isProtocolTooOld)
    }
}
