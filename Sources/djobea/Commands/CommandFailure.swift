import DjobeaServer
import DjobeaStore
import Foundation
import GRDB

/// A failure the operator can act on, printed as one line.
struct CommandFailure: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    /// Maps any error from opening or using a node to one readable French line.
    static func from(_ error: any Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure:
            return failure
        case let startup as NodeStartupError:
            return CommandFailure(startup.description)
        case let directory as DataDirectoryError:
            return CommandFailure(directory.description)
        case let store as StoreError:
            return CommandFailure("Base de données refusée : \(store.description)")
        case let database as DatabaseError:
            return CommandFailure("Erreur SQLite : \(database.message ?? "\(database.resultCode)")")
        default:
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("EADDRINUSE") {
                return CommandFailure("Port déjà utilisé (address already in use) : choisissez un autre --port.")
            }
            return CommandFailure(text)
        }
    }
}

/// Runs `body`, turning every error into a `CommandFailure`.
func failingClearly<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw CommandFailure.from(error)
    }
}
