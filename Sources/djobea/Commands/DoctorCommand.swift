import ArgumentParser
import DjobeaServer
import Foundation

/// `djobea doctor`: a check-up of a node from its own machine, one French line per check with the fix for each problem.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Bilan d'un hub : horloge, disque, liaison avec le central, certificat, sauvegarde, synchro (une ligne par point, avec la correction).",
        discussion: "Sort en erreur (code 1) si un point est en échec (✗) ; un avertissement (⚠) ne fait pas échouer. Marche hors ligne.")

    @Option(name: .long, help: "Dossier de données du nœud.")
    var data: String

    @Option(name: .long, help: "Adresse du central (par défaut celle de l'enrôlement du hub, dans central-link.json).")
    var central: String?

    @Option(name: .long, help: "Certificat TLS du hub (PEM). Par défaut DJOBEA_TLS_CERT, sinon celui de --env-file.")
    var tlsCert: String?

    @Option(name: .long, help: "Fichier de réglages du service, lu pour DJOBEA_TLS_CERT.")
    var envFile: String = "/etc/djobea/hub.env"

    func run() async throws {
        try await failingClearly { try refuseRootOnServiceDirectory(data) }
        let directory = URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL
        let checks = await Doctor.run(dataDirectory: directory, centralURL: central, certificatePath: certificatePath())
        printLine("Bilan de \(directory.path) :")
        for check in checks { printLine(check.line) }
        let failures = checks.filter { $0.outcome == .failure }.count
        let warnings = checks.filter { $0.outcome == .warning }.count
        guard failures == 0 else {
            throw CommandFailure("\(failures) point(s) en échec (✗ ci-dessus), \(warnings) avertissement(s) : appliquez les corrections indiquées.")
        }
        printLine(warnings == 0 ? "Tout va bien." : "Aucun échec, \(warnings) avertissement(s) (⚠ ci-dessus).")
    }

    /// `--tls-cert`, else `DJOBEA_TLS_CERT`, else the `DJOBEA_TLS_CERT=` line of the service's settings file.
    func certificatePath() -> String? {
        if let tlsCert, !tlsCert.isEmpty { return tlsCert }
        if let variable = ProcessInfo.processInfo.environment["DJOBEA_TLS_CERT"], !variable.isEmpty { return variable }
        guard let text = try? String(contentsOfFile: envFile, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("DJOBEA_TLS_CERT=") else { continue }
            let value = trimmed.dropFirst("DJOBEA_TLS_CERT=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            return value.isEmpty ? nil : value
        }
        return nil
    }
}
