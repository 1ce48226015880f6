import ArgumentParser
import DjobeaServer

/// `djobea`: one binary for every role of Djobea Edge.
struct Djobea: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "djobea",
        abstract: "Djobea Edge : serveur de synchronisation hors-ligne pour les prestataires (hub, central, démo).",
        version: DjobeaRelease.versionText,
        subcommands: [
            HubCommand.self, CentralCommand.self, SyncCommand.self, DemoCommand.self, MigrateCommand.self, BackupCommand.self, RestoreCommand.self,
            StatusCommand.self,
            DoctorCommand.self,
        ]
    )
}
