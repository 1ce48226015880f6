import ArgumentParser
import Foundation

/// Parses by hand rather than through `Djobea.main()` so that any failure is one clear line on stderr and a
/// non-zero exit, never a usage dump or a stack trace.
@main
enum Entry {
    static func main() async {
        do {
            var command = try Djobea.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(report(error))
        }
    }

    /// Prints what went wrong (or the help asked for) and returns the exit status.
    static func report(_ error: any Error) -> Int32 {
        let code = Djobea.exitCode(for: error)
        if code == .success {
            print(Djobea.fullMessage(for: error))
            return 0
        }
        if let failure = error as? CommandFailure {
            FileHandle.standardError.write(Data("djobea: \(failure.message)\n".utf8))
            return 1
        }
        let message = Djobea.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        FileHandle.standardError.write(Data("djobea: \(message) (voir djobea --help)\n".utf8))
        return code.rawValue
    }
}
