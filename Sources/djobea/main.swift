import ArgumentParser
import Foundation

// Parse by hand rather than through `Djobea.main()` so that any failure is one clear line on stderr and a
// non-zero exit, never a usage dump or a stack trace.
do {
    var command = try Djobea.parseAsRoot()
    if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
} catch {
    let code = Djobea.exitCode(for: error)
    if code == .success {
        print(Djobea.fullMessage(for: error))
    } else if let failure = error as? CommandFailure {
        FileHandle.standardError.write(Data("djobea: \(failure.message)\n".utf8))
    } else {
        let message = Djobea.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        FileHandle.standardError.write(Data("djobea: \(message) (voir djobea --help)\n".utf8))
    }
    exit(code == .success ? 0 : (error is CommandFailure ? 1 : code.rawValue))
}
