import Foundation

// djobea-embed-web: writes the PWA's files into one Swift source, so that the `djobea` binary carries its app.
//
// Usage: DjobeaEmbedWeb <web directory> <output .swift file> <relative path>...
// The `EmbedWebPlugin` build tool passes the files it found under web/ (so the list and SwiftPM's input tracking agree);
// each becomes a base64 string literal (string literals compile fast, unlike large `[UInt8]` array literals, and sit in
// the binary's read-only data).

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: DjobeaEmbedWeb <web directory> <output.swift> <relative path>...\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments[1], isDirectory: true)
let output = URL(fileURLWithPath: arguments[2])
let paths = arguments.dropFirst(3).sorted()

var source = """
    // swift-format-ignore-file
    // Generated at build time by DjobeaEmbedWeb (the EmbedWebPlugin build tool) from web/: do not edit.

    extension EmbeddedWeb {
        /// Every file of `web/` the hub may serve (tests aside): its path under `web/` and its bytes in base64.
        static let base64Files: [(path: String, base64: String)] = [

    """
for path in paths {
    let data: Data
    do {
        data = try Data(contentsOf: root.appendingPathComponent(path))
    } catch {
        FileHandle.standardError.write(Data("DjobeaEmbedWeb: cannot read web/\(path): \(error)\n".utf8))
        exit(1)
    }
    let escapedPath = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    source += "        (\"\(escapedPath)\", \"\(data.base64EncodedString())\"),\n"
}
source += "    ]\n}\n"

// Rewrite only on change: an unchanged web/ leaves the generated file's timestamp, so nothing downstream recompiles.
if (try? Data(contentsOf: output)) != Data(source.utf8) {
    do {
        try Data(source.utf8).write(to: output, options: .atomic)
    } catch {
        FileHandle.standardError.write(Data("DjobeaEmbedWeb: cannot write \(output.path): \(error)\n".utf8))
        exit(1)
    }
}
