import Foundation

/// Finds the PWA's source directory (`web/`): `DJOBEA_WEB_DIR` if set, else the first `web/index.html` found walking up
/// from the executable's directory, then from the current directory. `swift run`, `swift test` and the demo all run
/// from inside the package (`.build/debug/...`), so the walk finds the checkout's `web/`.
enum WebDirectory {
    static let environmentKey = "DJOBEA_WEB_DIR"

    /// - Parameters:
    ///   - environment: the process environment.
    ///   - executable: the running binary (`CommandLine.arguments[0]` resolved).
    ///   - currentDirectory: the working directory.
    static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment, executable: URL? = Bundle.main.executableURL,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> URL? {
        if let explicit = environment[environmentKey], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            return hasShell(url) ? url : nil
        }
        let starts = [executable?.resolvingSymlinksInPath().deletingLastPathComponent(), currentDirectory].compactMap { $0 }
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = directory.appendingPathComponent("web", isDirectory: true)
                if hasShell(candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        return nil
    }

    static func hasShell(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("index.html").path)
    }
}
