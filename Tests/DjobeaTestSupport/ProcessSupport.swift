import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the real `djobea` binary built by `swift build` (the README's test command builds it first).
public enum DjobeaBinary {
    public static let url: URL = {
        if let path = ProcessInfo.processInfo.environment["DJOBEA_BIN"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [".build/debug/djobea", ".build/x86_64-unknown-linux-gnu/debug/djobea", ".build/aarch64-unknown-linux-gnu/debug/djobea"]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: root.appendingPathComponent(candidate).path) {
            return root.appendingPathComponent(candidate)
        }
        return root.appendingPathComponent(".build/debug/djobea")
    }()
}

/// A child process whose stdout lines are collected as they come.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `lines` and `buffer` are only touched under `lock`; `process` is set up before `run()`.
    public let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var buffer = Data()
    private var errorBuffer = Data()

    /// - Parameters:
    ///   - environment: variables set for the child on top of this process's environment.
    ///   - executable: the program to run, `djobea` by default.
    ///   - currentDirectory: the child's working directory, this process's by default.
    ///   - unsetting: variables of this process's environment the child does not get.
    public init(
        _ arguments: [String], environment: [String: String] = [:], executable: URL = DjobeaBinary.url, currentDirectory: URL? = nil,
        unsetting: Set<String> = []
    ) throws {
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty || !unsetting.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unsetting.contains($0.key) }
        }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.buffer.append(data)
            while let newline = self.buffer.firstIndex(of: 0x0A) {
                self.lines.append(String(decoding: self.buffer[self.buffer.startIndex..<newline], as: UTF8.self))
                self.buffer.removeSubrange(self.buffer.startIndex...newline)
            }
            self.lock.unlock()
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.errorBuffer.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    public var outputLines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    public var errorText: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: errorBuffer, as: UTF8.self)
    }

    /// Waits until a stdout line satisfies `match`, or the process exits, or `timeout` passes.
    public func waitForLine(timeout: TimeInterval, _ match: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = outputLines.first(where: match) { return line }
            if !process.isRunning { return outputLines.first(where: match) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Sends `signal`, then SIGKILL if the process is still running after `grace` seconds: a child that cannot finish a
    /// graceful shutdown (blocked writing to a full pipe on a loaded machine, say) never hangs the test run.
    public func kill(_ signal: Int32 = SIGKILL, grace: TimeInterval = 15) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Runs `djobea` to completion and returns its exit status, stdout and stderr.
public func runDjobea(_ arguments: [String], timeout: TimeInterval = 120) async throws -> (status: Int32, out: String, err: String) {
    let child = try ChildProcess(arguments)
    let deadline = Date().addingTimeInterval(timeout)
    while child.process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
    child.kill(SIGKILL)
    try await Task.sleep(for: .milliseconds(50))
    return (child.process.terminationStatus, child.outputLines.joined(separator: "\n"), child.errorText)
}

/// A GET over a real socket.
public func httpGet(_ url: String) async throws -> (status: Int, body: Data, headers: [String: String]) {
    guard let target = URL(string: url) else { throw URLError(.badURL) }
    let (data, response) = try await URLSession.shared.data(from: target)
    let http = response as? HTTPURLResponse
    var headers: [String: String] = [:]
    for (key, value) in http?.allHeaderFields ?? [:] { headers["\(key)".lowercased()] = "\(value)" }
    return (http?.statusCode ?? 0, data, headers)
}

/// Ports handed out by `freePort` in this test process, with their neighbours (a demo listens on port and port + 1).
private let handedOutPorts = LockedPorts()

private final class LockedPorts: @unchecked Sendable {
    // @unchecked: `ports` is only touched under `lock`.
    private let lock = NSLock()
    private var ports = Set<Int>()

    /// Reserves `port` and its neighbours if none of them was handed out yet.
    func reserve(_ port: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let range = (port - 2)...(port + 2)
        guard range.allSatisfy({ !ports.contains($0) }) else { return false }
        ports.formUnion(range)
        return true
    }
}

/// A port that is free right now and that no other test of this process was given, nor its neighbours: suites run in
/// parallel, and a node that starts slowly (the demo generates its data first) must not find its port, or port + 1,
/// taken by another test in the meantime. Chosen below the kernel's ephemeral range (32768–60999), so that no
/// outgoing connection's source port can occupy it either.
public func freePort() throws -> Int {
    for _ in 0..<500 {
        let port = Int.random(in: 20_000..<32_700)
        guard canBind(port), canBind(port + 1), handedOutPorts.reserve(port) else { continue }
        return port
    }
    throw POSIXError(.EADDRINUSE)
}

private func canBind(_ port: Int) -> Bool {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketFD) }
    return withLoopbackAddress(port: port) { bind(socketFD, $0, $1) } == 0
}

/// Calls `body` with the IPv4 address 127.0.0.1:`port` and its length, as `bind` and `connect` take them.
public func withLoopbackAddress<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
}
