import DjobeaDomain
import DjobeaStore
import Foundation

/// A fresh temporary directory, removed by the caller.
public func temporaryDirectory(_ name: String = "djobea-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A node's database on a file in a fresh temporary directory (`djobea.sqlite`, as a node names it), with that
/// directory for the node's other files; the caller removes the directory.
public func temporaryDatabase(_ name: String = "djobea-test", role: NodeRole) throws -> (directory: URL, database: NodeDatabase) {
    let directory = try temporaryDirectory(name)
    return (directory, try NodeDatabase.open(path: directory.appendingPathComponent("djobea.sqlite").path, role: role))
}

/// Runs `body` with a fresh temporary directory and removes the directory afterwards.
public func withTemporaryDirectory<T>(_ name: String = "djobea-test", _ body: (URL) throws -> T) throws -> T {
    let directory = try temporaryDirectory(name)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}
