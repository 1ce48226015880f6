import Foundation

/// When the hub reminds a client of an unpaid invoice by itself (relances automatiques).
///
/// Reminder `k` (0-based) is due on the Douala day `dueDay + days[k]`, from local midnight, while something is still
/// owed. Reminders are counted, not matched to days: the next one is always number `automaticSent`, so a hub that
/// was down sends one reminder when it comes back, never several at once. A reminder after the first also waits for
/// the gap between its step and the previous one since the previous reminder was sent, and no automatic reminder
/// goes out within 24 hours of any reminder (a manual "Relancer" included). Manual reminders are not counted here.
public struct PaymentReminderSchedule: Sendable, Equatable {
    /// Days after the due date, strictly increasing, each 0…365 (`DJOBEA_REMINDER_DAYS`, default "1,7").
    public var days: [Int]

    public static let `default` = PaymentReminderSchedule(uncheckedDays: [1, 7])
    /// At most this many automatic reminders per invoice.
    public static let maxSteps = 2
    /// No reminder, automatic or manual, within this long of the previous one.
    public static let minimumGap: TimeInterval = 24 * 3_600
    /// Days after the last step past which the hub no longer reminds by itself: a hub started on months of history (a
    /// new install, a restore) must not message every client about old invoices at once. "Relancer" still works.
    public static let staleAfterDays = 30

    init(uncheckedDays: [Int]) {
        self.days = uncheckedDays
    }

    /// Reads "1,7": one to `maxSteps` whole numbers of days, 0…365, strictly increasing; nil (unset or blank) is the
    /// default.
    ///
    /// - Throws: `PaymentReminderSchedule.SettingError` with a French line naming the variable.
    public static func parse(_ text: String?) throws -> PaymentReminderSchedule {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return .default }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard values.count == parts.count, (1...maxSteps).contains(values.count), values.allSatisfy({ (0...365).contains($0) }),
            zip(values, values.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw SettingError(
                line: "Configuration invalide : DJOBEA_REMINDER_DAYS = « \(text) ». Attendu : 1 ou 2 nombres de jours après l'échéance,"
                    + " croissants, de 0 à 365, séparés par une virgule (ex. 1,7).")
        }
        return PaymentReminderSchedule(uncheckedDays: values)
    }

    public struct SettingError: Error, CustomStringConvertible, Sendable {
        public var line: String
        public var description: String { line }
    }

    /// The 0-based step of the automatic reminder to send now, or nil when none is due.
    ///
    /// - Parameters:
    ///   - amountDue: what the client still owes (total − credit notes − paid); nothing is sent at 0.
    ///   - automaticSent: the automatic reminders already sent for the invoice.
    ///   - lastAutomaticAt: when the last automatic one was sent.
    ///   - lastAnyAt: when the last reminder of any kind was sent.
    public func dueStep(
        dueAt: Date, amountDue: XAF, automaticSent: Int, lastAutomaticAt: Date?, lastAnyAt: Date?, now: Date
    ) -> Int? {
        guard amountDue > .zero, automaticSent >= 0, automaticSent < min(days.count, Self.maxSteps) else { return nil }
        let step = automaticSent
        let today = DoualaCalendar.localDay(of: now)
        guard today >= DoualaCalendar.localDay(of: dueAt) + Int64(days[step]) else { return nil }
        guard let last = days.last, today <= DoualaCalendar.localDay(of: dueAt) + Int64(last + Self.staleAfterDays) else { return nil }
        if step > 0, let lastAutomaticAt {
            guard today >= DoualaCalendar.localDay(of: lastAutomaticAt) + Int64(days[step] - days[step - 1]) else { return nil }
        }
        if let lastAnyAt, now.timeIntervalSince(lastAnyAt) < Self.minimumGap { return nil }
        return step
    }
}
