import Foundation
import Testing

@testable import DjobeaDomain

@Suite("Automatic payment reminders: which step is due")
struct PaymentReminderScheduleTests {
    let schedule = PaymentReminderSchedule.default
    let owed = XAF(12_500)

    func step(dueAt: Date, sent: Int = 0, lastAutomatic: Date? = nil, lastAny: Date? = nil, now: Date, amount: XAF? = nil) -> Int? {
        schedule.dueStep(
            dueAt: dueAt, amountDue: amount ?? owed, automaticSent: sent, lastAutomaticAt: lastAutomatic, lastAnyAt: lastAny ?? lastAutomatic,
            now: now)
    }

    @Test("the first reminder waits for the Douala day after the due date, from local midnight")
    func firstStepAtDoualaMidnight() {
        // Due 30 Nov 2026 at 22:30 UTC = 23:30 in Douala: the Douala due day is 30 Nov, day + 1 starts 30 Nov 23:00 UTC.
        let due = utc(2026, 11, 30, 22, 30)
        #expect(step(dueAt: due, now: utc(2026, 11, 30, 22, 59)) == nil)
        #expect(step(dueAt: due, now: utc(2026, 11, 30, 23, 0)) == 0)
        // Due at 23:30 UTC is already 1 Dec in Douala: its day + 1 is 2 Dec, from 1 Dec 23:00 UTC.
        let lateDue = utc(2026, 11, 30, 23, 30)
        #expect(step(dueAt: lateDue, now: utc(2026, 12, 1, 22, 59)) == nil)
        #expect(step(dueAt: lateDue, now: utc(2026, 12, 1, 23, 0)) == 0)
    }

    @Test("the second reminder comes 7 days after the due date, across a month and a year end")
    func secondStepAcrossMonthAndYearEnd() {
        let due = utc(2026, 12, 28, 10)  // Douala 28 Dec
        let first = utc(2026, 12, 29, 8)
        #expect(step(dueAt: due, sent: 1, lastAutomatic: first, now: utc(2027, 1, 3, 22, 59)) == nil)  // still 3 Jan in Douala
        #expect(step(dueAt: due, sent: 1, lastAutomatic: first, now: utc(2027, 1, 3, 23, 0)) == 1)  // 4 Jan in Douala
        // Across February's end.
        let february = utc(2027, 2, 27, 12)
        #expect(step(dueAt: february, now: utc(2027, 2, 28, 9)) == 0)
        #expect(step(dueAt: february, sent: 1, lastAutomatic: utc(2027, 2, 28, 9), now: utc(2027, 3, 6, 9)) == 1)
        #expect(step(dueAt: february, sent: 1, lastAutomatic: utc(2027, 2, 28, 9), now: utc(2027, 3, 5, 9)) == nil)
    }

    @Test("never a third automatic reminder, and nothing once nothing is owed")
    func maxTwoAndStoppedByPayment() {
        let due = utc(2026, 12, 1, 12)
        #expect(step(dueAt: due, sent: 2, lastAutomatic: utc(2026, 12, 8, 9), now: utc(2027, 3, 1, 9)) == nil)
        #expect(step(dueAt: due, now: utc(2026, 12, 5, 9), amount: .zero) == nil)
        #expect(step(dueAt: due, now: utc(2026, 12, 5, 9), amount: XAF(1)) == 0)
    }

    @Test("a hub back after a long stop sends one reminder, then waits the gap between steps")
    func oneAtATimeAfterDowntime() {
        let due = utc(2026, 12, 1, 12)
        let back = utc(2026, 12, 20, 9)
        #expect(step(dueAt: due, now: back) == 0)
        #expect(step(dueAt: due, sent: 1, lastAutomatic: back, now: back.addingTimeInterval(60)) == nil)
        #expect(step(dueAt: due, sent: 1, lastAutomatic: back, now: utc(2026, 12, 25, 22)) == nil)  // 25 Dec 23:00 Douala: 5 days
        #expect(step(dueAt: due, sent: 1, lastAutomatic: back, now: utc(2026, 12, 26, 9)) == 1)  // 6 days later (7 − 1)
    }

    @Test("an invoice overdue for longer than the last step plus 30 days is never reminded automatically (a hub started on history)")
    func staleInvoicesAreLeftAlone() {
        let due = utc(2026, 9, 1, 12)
        #expect(step(dueAt: due, now: utc(2026, 10, 7, 12)) == 0, "37 days after: still reminded")
        #expect(step(dueAt: due, now: utc(2026, 10, 9, 12)) == nil, "39 days after: left to the provider's Relancer")
        #expect(step(dueAt: due, sent: 1, lastAutomatic: utc(2026, 9, 2, 9), now: utc(2026, 11, 20, 12)) == nil)
    }

    @Test("a manual reminder within 24 hours delays the automatic one")
    func manualReminderDelays() {
        let due = utc(2026, 12, 1, 12)
        let manual = utc(2026, 12, 2, 8)
        #expect(step(dueAt: due, lastAny: manual, now: utc(2026, 12, 2, 20)) == nil)
        #expect(step(dueAt: due, lastAny: manual, now: utc(2026, 12, 3, 8)) == 0)
    }

    @Test("DJOBEA_REMINDER_DAYS: default 1,7; one or two increasing days 0…365; anything else refused in French")
    func parsing() throws {
        #expect(try PaymentReminderSchedule.parse(nil).days == [1, 7])
        #expect(try PaymentReminderSchedule.parse(" ").days == [1, 7])
        #expect(try PaymentReminderSchedule.parse("3").days == [3])
        #expect(try PaymentReminderSchedule.parse("0, 10").days == [0, 10])
        for bad in ["7,1", "1,1", "1,7,14", "-1", "x", "1,", "400"] {
            #expect(throws: PaymentReminderSchedule.SettingError.self, "\(bad)") { try PaymentReminderSchedule.parse(bad) }
        }
        do {
            _ = try PaymentReminderSchedule.parse("7,1")
        } catch {
            #expect("\(error)".contains("DJOBEA_REMINDER_DAYS"))
        }
    }

    @Test("one step only: no second reminder")
    func singleStep() throws {
        let single = try PaymentReminderSchedule.parse("2")
        let due = utc(2026, 12, 1, 12)
        #expect(single.dueStep(dueAt: due, amountDue: owed, automaticSent: 0, lastAutomaticAt: nil, lastAnyAt: nil, now: utc(2026, 12, 3, 9)) == 0)
        #expect(
            single.dueStep(
                dueAt: due, amountDue: owed, automaticSent: 1, lastAutomaticAt: utc(2026, 12, 3, 9), lastAnyAt: nil, now: utc(2026, 12, 30, 9))
                == nil)
    }
}
