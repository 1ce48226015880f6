import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct HLCTests {
    @Test(arguments: [
        HLC(wallMillis: 0), HLC(wallMillis: 1_795_854_600_000, counter: 0), HLC(wallMillis: 1_795_854_600_000, counter: 7),
        HLC(wallMillis: 1_795_854_600_000, counter: UInt16.max), HLC(wallMillis: 1, counter: 1),
    ])
    func packsAndUnpacks(_ stamp: HLC) {
        #expect(HLC(packed: stamp.packed) == stamp)
    }

    @Test func packedOrderIsStampOrder() {
        var rng = SeededRandom(seed: 3)
        let stamps = (0..<300).map { _ in
            HLC(wallMillis: Int64.random(in: 1_700_000_000_000...1_700_000_000_050, using: &rng), counter: UInt16.random(in: 0...3, using: &rng))
        }
        #expect(stamps.sorted() == stamps.sorted { $0.packed < $1.packed })
    }

    @Test func codesAsOnePackedInteger() throws {
        let stamp = HLC(wallMillis: 1_795_854_600_000, counter: 3)
        let data = try JSONEncoder().encode([stamp])
        #expect(String(decoding: data, as: UTF8.self) == "[\(stamp.packed)]")
        #expect(try JSONDecoder().decode([HLC].self, from: data) == [stamp])
    }

    @Test func dateDropsTheCounter() {
        #expect(HLC(date: Date(timeIntervalSince1970: 1_795_854_600.25)) == HLC(wallMillis: 1_795_854_600_250))
        #expect(HLC(wallMillis: 1_795_854_600_250, counter: 9).date == Date(timeIntervalSince1970: 1_795_854_600.25))
    }

    @Test func tickFollowsWallTimeThenCounts() {
        var clock = HybridLogicalClock()
        let wall = Date(timeIntervalSince1970: 1_795_854_600)
        #expect(clock.tick(wall: wall) == HLC(wallMillis: 1_795_854_600_000, counter: 0))
        #expect(clock.tick(wall: wall) == HLC(wallMillis: 1_795_854_600_000, counter: 1))
        // The wall clock went back: the HLC does not.
        #expect(clock.tick(wall: wall.addingTimeInterval(-60)) == HLC(wallMillis: 1_795_854_600_000, counter: 2))
        #expect(clock.tick(wall: wall.addingTimeInterval(1)) == HLC(wallMillis: 1_795_854_601_000, counter: 0))
    }

    @Test func counterOverflowCarriesIntoTheMillisecond() {
        var clock = HybridLogicalClock(last: HLC(wallMillis: 1_000, counter: UInt16.max))
        #expect(clock.tick(wall: Date(timeIntervalSince1970: 0)) == HLC(wallMillis: 1_001, counter: 0))
    }

    @Test(arguments: [
        // (local last, remote, wall millis, expected)
        (HLC(wallMillis: 100, counter: 2), HLC(wallMillis: 100, counter: 5), 50, HLC(wallMillis: 100, counter: 6)),
        (HLC(wallMillis: 100, counter: 9), HLC(wallMillis: 100, counter: 5), 50, HLC(wallMillis: 100, counter: 10)),
        (HLC(wallMillis: 200, counter: 1), HLC(wallMillis: 100, counter: 5), 50, HLC(wallMillis: 200, counter: 2)),
        (HLC(wallMillis: 100, counter: 1), HLC(wallMillis: 300, counter: 4), 50, HLC(wallMillis: 300, counter: 5)),
        (HLC(wallMillis: 100, counter: 1), HLC(wallMillis: 300, counter: 4), 400, HLC(wallMillis: 400, counter: 0)),
    ])
    func receiveMergesRemoteStamps(last: HLC, remote: HLC, wallMillis: Int, expected: HLC) {
        var clock = HybridLogicalClock(last: last)
        let result = clock.receive(remote, wall: Date(timeIntervalSince1970: Double(wallMillis) / 1000))
        #expect(result == expected)
        #expect(result > last && result > remote)
        #expect(clock.last == result)
    }

    @Test func stampsStayMonotonicUnderRandomTicksAndReceipts() {
        var rng = SeededRandom(seed: 99)
        var clock = HybridLogicalClock()
        var previous = HLC.zero
        for _ in 0..<2_000 {
            let wall = Date(timeIntervalSince1970: 1_795_854_600 + Double.random(in: -5...5, using: &rng))
            let stamp: HLC
            if Bool.random(using: &rng) {
                stamp = clock.tick(wall: wall)
            } else {
                let remote = HLC(
                    wallMillis: 1_795_854_600_000 + Int64.random(in: -5_000...5_000, using: &rng), counter: UInt16.random(in: 0...9, using: &rng))
                stamp = clock.receive(remote, wall: wall)
                #expect(stamp > remote)
            }
            #expect(stamp > previous)
            previous = stamp
        }
    }

    @Test(arguments: [
        (0.0, false), (299.0, false), (300.0, false), (300.001, true), (3_600.0, true), (-3_600.0, false),
    ])
    func driftIsFlaggedPastFiveMinutesAhead(aheadBy seconds: TimeInterval, flagged: Bool) {
        let wall = Date(timeIntervalSince1970: 1_795_854_600)
        let remote = HLC(date: wall.addingTimeInterval(seconds))
        #expect(HybridLogicalClock.isDrifting(remote, wall: wall) == flagged)
        #expect(abs(HybridLogicalClock.offset(of: remote, from: wall) - seconds) < 0.001)
    }
}
