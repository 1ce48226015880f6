import Foundation
import PackagePlugin

/// Compiles the PWA (`web/` at the package root, its tests aside) into the target it is applied to: lists the files and
/// has `DjobeaEmbedWeb` write them into one generated Swift source. SwiftPM runs this at every build, so a file added
/// to or removed from `web/` changes the command and the source is generated again; a changed file is an input.
///
/// The files are those `StaticAssets.sourceFiles(in:)` reads from a directory (a test compares both): regular files,
/// not hidden, outside hidden directories and `tests/` and `node_modules/`.
@main
struct EmbedWebPlugin: BuildToolPlugin {
    static let skippedDirectories: Set<String> = ["tests", "node_modules"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let web = context.package.directoryURL.appendingPathComponent("web", isDirectory: true)
        let paths = try Self.files(in: web)
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedWebFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(paths.count) files of the PWA into \(target.name)",
                executable: try context.tool(named: "DjobeaEmbedWeb").url,
                arguments: [web.path, output.path] + paths,
                inputFiles: paths.map { web.appendingPathComponent($0) },
                outputFiles: [output])
        ]
    }

    /// Relative paths of the files to embed, sorted.
    static func files(in web: URL) throws -> [String] {
        let root = web.standardizedFileURL.resolvingSymlinksInPath()
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey])
        else { return [] }
        var paths: [String] = []
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            let name = url.lastPathComponent
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
            if values.isDirectory == true {
                if name.hasPrefix(".") || skippedDirectories.contains(name) { enumerator.skipDescendants() }
                continue
            }
            guard values.isRegularFile == true, !name.hasPrefix(".") else { continue }
            paths.append(String(path.dropFirst(prefix.count)))
        }
        return paths.sorted()
    }
}
