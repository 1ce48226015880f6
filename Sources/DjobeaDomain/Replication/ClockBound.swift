import Foundation

/// The bounded-clock rule on receive (SPEC.md §2.2, CONFLICTS.md rule 6): which received changes may take effect now
/// and which are held until the receiver's wall clock comes within `HybridLogicalClock.maxOffset` of their stamps.
public enum ClockBound {
    /// Splits `changes` by the receiver's (corrected) wall clock `wall`, keeping their order in both parts.
    public static func split(_ changes: [RowChange], wall: Date) -> (admitted: [RowChange], held: [RowChange]) {
        var admitted: [RowChange] = []
        var held: [RowChange] = []
        for change in changes {
            if HybridLogicalClock.isWithinBound(change.hlc, wall: wall) { admitted.append(change) } else { held.append(change) }
        }
        return (admitted, held)
    }
}
