import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct DjobeaIDTests {
    private func character(_ id: String, _ offset: Int) -> Character {
        id[id.index(id.startIndex, offsetBy: offset)]
    }

    @Test func v7HasCanonicalFormVersionAndVariant() {
        let id = DjobeaID.v7()
        #expect(DjobeaID.isValid(id))
        #expect(character(id, 14) == "7")
        #expect("89ab".contains(character(id, 19)))
    }

    @Test func v7CarriesItsCreationMillisecond() throws {
        var generator = UUIDv7Generator()
        var rng = SeededRandom(seed: 5)
        let id = generator.next(at: Date(unixMillis: 1_795_000_000_123), using: &rng)
        let stamp = try #require(DjobeaID.timestamp(ofV7: id))
        #expect(stamp.unixMillis == 1_795_000_000_123)
    }

    @Test func processGeneratorIsStrictlyIncreasing() {
        let now = Date()
        let ids = (0..<2_000).map { _ in DjobeaID.v7(now: now) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(arguments: [0 as UInt64, 1, 42, 0xdead_beef])
    func generatorIncreasesWithinOneMillisecondAndPastCounterOverflow(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var generator = UUIDv7Generator()
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        // 5 000 ids in one millisecond overflow the 12-bit counter at least once.
        let ids = (0..<5_000).map { _ in generator.next(at: date, using: &rng) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        #expect(ids.allSatisfy { DjobeaID.isValid($0) && character($0, 14) == "7" && "89ab".contains(character($0, 19)) })
    }

    @Test func generatorKeepsOrderWhenTheClockGoesBack() {
        var rng = SeededRandom(seed: 7)
        var generator = UUIDv7Generator()
        let first = generator.next(at: Date(timeIntervalSince1970: 1_795_000_010), using: &rng)
        let second = generator.next(at: Date(timeIntervalSince1970: 1_795_000_000), using: &rng)
        let third = generator.next(at: Date(timeIntervalSince1970: 1_795_000_020), using: &rng)
        #expect(first < second)
        #expect(second < third)
    }

    @Test func derivedIsStableVersion8AndPinned() {
        let id = DjobeaID.derived(namespace: "commission", name: "req-1")
        #expect(id == DjobeaID.derived(namespace: "commission", name: "req-1"))
        #expect(DjobeaID.isValid(id))
        #expect(character(id, 14) == "8")
        #expect("89ab".contains(character(id, 19)))
        // Pinned: every node, every version of the code, must derive this same id.
        #expect(id == "a06419b2-ac30-8edf-b220-ef3eef039d8f")
    }

    @Test(arguments: [
        ("commission", "req-1", "commission", "req-2"),
        ("commission", "req-1", "other", "req-1"),
        ("a", "bc", "ab", "c"),
    ])
    func derivedSeparatesNamespaceAndName(namespaceA: String, nameA: String, namespaceB: String, nameB: String) {
        #expect(DjobeaID.derived(namespace: namespaceA, name: nameA) != DjobeaID.derived(namespace: namespaceB, name: nameB))
    }

    @Test(arguments: [
        ("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", true),
        ("00000000-0000-0000-0000-000000000000", true),
        ("0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B", false),
        ("0190a1b2c3d47e5f8a6b7c8d9e0f1a2b", false),
        ("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2", false),
        ("0190a1b2-c3d4-7e5f-8a6b_7c8d9e0f1a2b", false),
        ("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2g", false),
        ("", false),
    ])
    func isValid(_ candidate: String, expected: Bool) {
        #expect(DjobeaID.isValid(candidate) == expected)
    }

    @Test(arguments: [
        "0190a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b",  // version 4
        "not-an-id",
    ])
    func timestampIsNilForOtherThanV7(_ id: String) {
        #expect(DjobeaID.timestamp(ofV7: id) == nil)
    }

    @Test func lockedValueSerializesConcurrentWrites() async {
        let counter = LockedValue(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1_000 { counter.withLock { $0 += 1 } }
                }
            }
        }
        #expect(counter.withLock { $0 } == 8_000)
    }
}
