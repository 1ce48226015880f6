import Foundation

/// The real readers the document tests open files with (installed by the project's prerequisites: qpdf,
/// poppler-utils' pdftotext, Debian's python3 with openpyxl).
public enum DocumentReaders {
    public struct ToolRun: Sendable {
        public var status: Int32
        public var out: String
        public var err: String
    }

    public enum ReaderError: Error, CustomStringConvertible {
        case failed(String, ToolRun)

        public var description: String {
            switch self {
            case .failed(let tool, let run): "\(tool) exited \(run.status): \(run.err.prefix(2_000)) \(run.out.prefix(2_000))"
            }
        }
    }

    /// Runs `tool` with `arguments` to completion (output through files, so a large one never blocks the pipe).
    public static func run(_ tool: String, _ arguments: [String]) throws -> ToolRun {
        let directory = try temporaryDirectory("tool")
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ToolRun(
            status: process.terminationStatus, out: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            err: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Writes `data` to a temporary file named `name`, runs `body` on its path, removes it.
    public static func withFile<T>(_ data: Data, name: String, _ body: (String) throws -> T) throws -> T {
        let directory = try temporaryDirectory("document")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return try body(url.path)
    }

    /// `qpdf --check` on the PDF: its output when it passes (exit 0), a thrown error otherwise.
    public static func qpdfCheck(_ pdf: Data) throws -> String {
        try withFile(pdf, name: "check.pdf") { path in
            let run = try run("/usr/bin/qpdf", ["--check", path])
            guard run.status == 0 else { throw ReaderError.failed("qpdf --check", run) }
            return run.out
        }
    }

    /// The PDF's text as `pdftotext` extracts it (UTF-8), with every kind of space (no-break, narrow no-break)
    /// turned into a plain one.
    public static func pdfText(_ pdf: Data, layout: Bool = false) throws -> String {
        try withFile(pdf, name: "text.pdf") { path in
            let run = try run("/usr/bin/pdftotext", (layout ? ["-layout"] : []) + ["-enc", "UTF-8", path, "-"])
            guard run.status == 0 else { throw ReaderError.failed("pdftotext", run) }
            return plainSpaces(run.out)
        }
    }

    /// Pages of the PDF as `qpdf --show-npages` counts them.
    public static func pageCount(_ pdf: Data) throws -> Int {
        try withFile(pdf, name: "pages.pdf") { path in
            let run = try run("/usr/bin/qpdf", ["--show-npages", path])
            guard run.status == 0, let count = Int(run.out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw ReaderError.failed("qpdf --show-npages", run)
            }
            return count
        }
    }

    /// Every sheet of an XLSX workbook as openpyxl reads it (Debian's /usr/bin/python3): sheet name → rows of cells,
    /// each cell a JSON value (numbers stay numbers; formulas give their stored value; dates their ISO text to the second).
    public static func xlsxSheets(_ workbook: Data) throws -> [String: [[Any]]] {
        let script = """
            import json, sys, datetime, openpyxl
            book = openpyxl.load_workbook(sys.argv[1], data_only=True)
            out = {}
            for sheet in book.worksheets:
                rows = []
                for row in sheet.iter_rows(values_only=True):
                    rows.append([
                        (c + datetime.timedelta(microseconds=500000)).replace(microsecond=0).isoformat()
                        if isinstance(c, datetime.datetime) else c for c in row])
                out[sheet.title] = rows
            print(json.dumps(out))
            """
        return try withFile(workbook, name: "book.xlsx") { path in
            let run = try run("/usr/bin/python3", ["-c", script, path])
            guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: [[Any]]] else {
                throw ReaderError.failed("openpyxl", run)
            }
            return object
        }
    }

    /// `text` with U+00A0, U+202F and other spaces as plain spaces.
    public static func plainSpaces(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    scalar == "\n" || scalar == "\t" || scalar == "\u{0C}" ? scalar : (scalar.properties.isWhitespace ? " " : scalar)
                }))
    }
}
