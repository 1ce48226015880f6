import DjobeaDomain
import DjobeaSync
import Foundation
import Testing

@Suite("Sync wire codec")
struct WireCodecTests {
    @Test("a batch survives encode → gzip → decode, and malformed bodies are refused with sync_malformed")
    func roundTrip() throws {
        let change = RowChange(
            originNode: DjobeaID.v7(), originSeq: 1, hlc: HLC(wallMillis: 1_700_000_000_000), table: "zones", key: DjobeaID.v7(),
            operation: .insert, columns: ["code": "zone-a", "name": "Zone A"])
        let request = PushRequest(schemaVersion: 5, batch: WireBatch([change]))
        let bytes = try WireCodec.encode(request)
        let decoded = try WireCodec.decode(PushRequest.self, from: bytes)
        #expect(try decoded.batch.rowChanges() == [change])
        for junk: [UInt8] in [[], [0x1f, 0x8b, 0, 1], Array("{}".utf8)] {
            #expect(throws: SyncError.self) { _ = try WireCodec.decode(PushRequest.self, from: junk) }
        }
    }
}
