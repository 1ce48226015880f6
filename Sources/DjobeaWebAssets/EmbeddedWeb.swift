import Foundation

/// The provider PWA's files, compiled into the binary at build time (the `EmbedWebPlugin` build tool turns every file of
/// `web/` but its tests into `base64Files`), so that a `djobea` binary copied alone onto a machine serves its app.
public enum EmbeddedWeb {
    /// Path under `web/` (`lib/format.js`) → bytes, decoded from the binary's read-only data on each call.
    public static func files() -> [String: Data] {
        var files: [String: Data] = [:]
        for file in base64Files {
            // The generator wrote each literal with `base64EncodedString()`: it always decodes.
            files[file.path] = Data(base64Encoded: file.base64) ?? Data()
        }
        return files
    }

    /// How many files the binary carries.
    public static var count: Int { base64Files.count }
}
