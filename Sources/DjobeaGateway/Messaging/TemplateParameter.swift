import Foundation

/// Template parameters as WhatsApp accepts them.
public enum TemplateParameter {
    /// `text` with what Meta refuses in a template parameter removed: every run of whitespace that holds a newline or
    /// a tab, or more than four spaces, becomes one space; leading and trailing whitespace is dropped; an empty
    /// parameter becomes `-` (Meta refuses empty parameters too).
    public static func normalised(_ text: String) -> String {
        var result = ""
        var run = ""
        func flush() {
            guard !run.isEmpty else { return }
            let refused = run.unicodeScalars.contains { $0 != " " } || run.count > 4
            result += refused ? " " : run
            run = ""
        }
        for character in text {
            if character.isWhitespace {
                run.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        let trimmed = result.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "-" : trimmed
    }
}
