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

/// Refuses to work as root on a data directory that belongs to another user (the `djobea` service user, as
/// `deploy/install.sh` makes it). Files root would create there (the SQLite journal, secrets, the central link, photo
/// files) would be root's, and the service could no longer open its own database. The message gives the same command
/// under the directory's owner.
func refuseRootOnServiceDirectory(_ path: String?) throws {
    guard geteuid() == 0, let path,
        let attributes = try? FileManager.default.attributesOfItem(atPath: URL(fileURLWithPath: path).standardizedFileURL.path),
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value, owner != 0
    else { return }
    let name = (attributes[.ownerAccountName] as? String) ?? String(owner)
    let command = CommandLine.arguments.joined(separator: " ")
    throw CommandFailure(
        "Lancé en root sur \(path), qui appartient à l'utilisateur \(name) : les fichiers créés en root bloqueraient le service. "
            + "Relancez sous cet utilisateur : « sudo -u \(name) \(command) ».")
}
