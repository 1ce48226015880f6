import DjobeaDomain
import DjobeaStore
import GRDB
import Testing

@Suite("States and kinds written into SQL text come from their enums")
struct SQLEnumLiteralTests {
    @Test("a value is its quoted raw value, a list is comma-separated, in the given order")
    func literals() {
        #expect(RequestStatus.terminee.sqlLiteral == "'terminee'")
        #expect([OfferState.accepted, .declined].sqlList == "'accepted', 'declined'")
        #expect([RequestStatus]().sqlList.isEmpty)
    }

    @Test("an open mission is one on the path between accepted and done: what the provider still has to finish")
    func openMission() {
        let expected = RequestStatus.allCases.filter { ($0.progressRank ?? 0) > 0 && !$0.isTerminal }
        #expect(RequestStatus.openMission == expected)
        #expect(RequestStatus.openMission.sqlList == "'acceptee', 'arrive', 'diagnostic', 'reparation'")
    }

    @Test("the literals select the rows SQLite stores under those values")
    func selectsRows() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (status TEXT)")
            for status in RequestStatus.allCases { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [status.rawValue]) }
            let open = try String.fetchAll(db, sql: "SELECT status FROM t WHERE status IN (\(RequestStatus.openMission.sqlList)) ORDER BY rowid")
            #expect(open == RequestStatus.openMission.map(\.rawValue))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t WHERE status = \(RequestStatus.expiree.sqlLiteral)") == 1)
        }
    }
}
