import Foundation

/// Cameroonian phone numbers as typed by people, normalized to E.164.
public enum PhoneNumber {
    /// E.164 ("+237699123456") for a Cameroonian mobile (6…) or landline (2…) number, or nil.
    ///
    /// Accepts spaces, dots, dashes and parentheses between digits, and the prefixes "+237", "00237"
    /// and "237" in front of the 9-digit national number.
    public static func normalizeCameroon(_ input: String) -> String? {
        var digits: [UInt8] = []
        var sawPlus = false
        for scalar in input.unicodeScalars {
            switch scalar {
            case "0"..."9":
                digits.append(UInt8(scalar.value))
            case "+":
                // A plus sign only as the very first character.
                guard digits.isEmpty, !sawPlus else { return nil }
                sawPlus = true
            case " ", ".", "-", "(", ")", "\u{00A0}", "\u{202F}", "\t":
                continue
            default:
                return nil
            }
        }
        let national: ArraySlice<UInt8>
        switch digits.count {
        case 9 where !sawPlus:
            national = digits[...]
        case 12 where digits.starts(with: Array("237".utf8)):
            national = digits.dropFirst(3)
        case 14 where !sawPlus && digits.starts(with: Array("00237".utf8)):
            national = digits.dropFirst(5)
        default:
            return nil
        }
        guard let first = national.first, first == UInt8(ascii: "6") || first == UInt8(ascii: "2") else { return nil }
        return "+237" + String(decoding: national, as: UTF8.self)
    }

    /// "+237 6 99 12 34 56" for display, from a normalized number; nil when `e164` is not one.
    public static func displayCameroon(_ e164: String) -> String? {
        guard let normalized = normalizeCameroon(e164) else { return nil }
        let national = Array(normalized.dropFirst(4))
        let groups = [national[0..<1], national[1..<3], national[3..<5], national[5..<7], national[7..<9]]
        return "+237 " + groups.map { String($0) }.joined(separator: " ")
    }
}
