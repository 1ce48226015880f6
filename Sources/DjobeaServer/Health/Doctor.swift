import AsyncHTTPClient
import DjobeaDomain
import DjobeaStore
import DjobeaSync
import Foundation
import HummingbirdTLS
import NIOCore

/// One line of `djobea doctor`: what was checked, what was found and, for a problem, what to do about it.
public struct DoctorCheck: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// Fine.
        case ok
        /// Worth a look; does not make the command fail.
        case warning
        /// A problem: the command exits non-zero.
        case failure

        var symbol: String {
            switch self {
            case .ok: "✓"
            case .warning: "⚠"
            case .failure: "✗"
            }
        }
    }

    public var outcome: Outcome
    public var title: String
    public var detail: String
    /// The command or action that fixes it (problems and warnings only).
    public var fix: String?

    public init(_ outcome: Outcome, _ title: String, _ detail: String, fix: String? = nil) {
        self.outcome = outcome
        self.title = title
        self.detail = detail
        self.fix = fix
    }

    /// The French line the operator reads.
    public var line: String {
        "\(outcome.symbol) \(title) : \(detail)" + (outcome == .ok ? "" : fix.map { " — à faire : \($0)" } ?? "")
    }
}

/// `djobea doctor`: a hub's (or central's) health seen from its machine, one French line per check, each problem
/// with its fix. Works offline: a central out of reach fails its own line, the others still run.
///
/// Thresholds (the alert rules of `deploy/prometheus/alerts.yml` use the same where they overlap):
/// - clock against central's `Date`: ✓ within 2 s, ⚠ up to 60 s (the hub then corrects its stamps), ✗ beyond;
/// - free disk space of the data directory: ✗ under 10 % or 500 Mo, ⚠ under 20 %;
/// - link to central (`GET /healthz`): ✗ no answer within 10 s or not 200, ⚠ answer slower than 1 s;
/// - built-in TLS certificate: ✗ expired or expiring within 7 days, ⚠ within 21 days;
/// - last verified backup (`djobea backup --verify`): ✗ none, or taken more than 36 h ago;
/// - last successful sync: ⚠ over 5 min, ✗ over 15 min or never;
/// - changes waiting for central: ✗ over 500, or the oldest over 15 min.
public enum Doctor {
    public static let clockWarning: TimeInterval = 2
    public static let clockFailure: TimeInterval = 60
    public static let diskFailureRatio = 0.10
    public static let diskFailureBytes: Int64 = 500 * 1_000_000
    public static let diskWarningRatio = 0.20
    public static let slowLink: TimeInterval = 1
    public static let linkTimeout: TimeAmount = .seconds(10)

    /// The doctor's own client: one connection attempt (a refused connection is reported at once), at most 5 s to connect.
    static func probeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
    public static let certificateFailureDays = 7.0
    public static let certificateWarningDays = 21.0
    public static let backupLate: TimeInterval = 36 * 3600
    public static let syncWarning: TimeInterval = 5 * 60
    public static let syncFailure: TimeInterval = 15 * 60
    public static let pendingFailure = 500

    /// Every check on the node whose data directory is `dataDirectory`.
    ///
    /// - Parameters:
    ///   - centralURL: central's address; nil takes the hub's enrolment (`central-link.json`).
    ///   - certificatePath: the node's TLS certificate (PEM), when it serves HTTPS itself.
    public static func run(
        dataDirectory: URL, centralURL: String?, certificatePath: String?, http: HTTPClient? = nil, now: @Sendable () -> Date = { Date() }
    ) async -> [DoctorCheck] {
        let data = dataDirectory.path
        var checks: [DoctorCheck] = []
        let databasePath = dataDirectory.appendingPathComponent("djobea.sqlite").path
        var facts: NodeSyncFacts?
        do {
            facts = try Maintenance.syncFacts(path: databasePath)
            checks.append(
                DoctorCheck(.ok, "Base de données", "\(databasePath) (\(facts?.role == .central ? "central" : "hub"), nœud \(facts?.nodeId ?? "?"))"))
        } catch {
            checks.append(
                DoctorCheck(
                    .failure, "Base de données", "illisible ou absente (\(error))",
                    fix:
                        "créez-la avec « djobea migrate --data \(data) », ou restaurez une sauvegarde (« djobea restore --data \(data) --from <fichier> »)"
                ))
        }
        let link = try? CentralLink.load(from: dataDirectory)
        let central = centralURL ?? link?.centralURL
        let isCentral = facts?.role == .central

        // The link to central, its latency and the clock offset against its `Date` header.
        var probe: CentralProbe?
        if isCentral {
            checks.append(DoctorCheck(.ok, "Liaison avec le central", "ce nœud est le central"))
        } else if let central {
            // One attempt: the shared client would try to connect again and again until the timeout, so a central that
            // refuses connections took the whole 10 s to report.
            let client = http ?? Self.probeClient()
            do {
                let answer = try await CentralProbe.run(centralURL: central, http: client, timeout: linkTimeout)
                probe = answer
                checks.append(linkCheck(central: central, status: answer.status, latency: answer.latency))
            } catch {
                checks.append(
                    DoctorCheck(
                        .failure, "Liaison avec le central", "\(central) injoignable (connexion refusée ou pas de réponse en 10 s)",
                        fix: "vérifiez la liaison Internet de la machine (câble, box, forfait), puis « curl -sS \(central)/healthz » ; "
                            + "en attendant, le hub sert ses prestataires hors ligne"))
            }
            if http == nil { try? await client.shutdown() }
        } else {
            checks.append(
                DoctorCheck(
                    .failure, "Liaison avec le central", "hub non enrôlé (pas de \(CentralLink.fileName) dans \(data))",
                    fix: "au central « djobea central enroll-hub --data <dossier> --name <NomDuHub> --zones <zones> », puis ici "
                        + "« djobea hub --data \(data) --central <url> --enroll <jeton> »"))
        }
        if !isCentral {
            checks.append(clockCheck(measured: probe?.clockOffset, lastKnownMs: facts?.clockOffsetMs, centralKnown: central != nil))
        }
        checks.append(diskCheck(path: data))
        if let certificatePath {
            checks.append(certificateCheck(path: certificatePath, now: now()))
        } else {
            checks.append(DoctorCheck(.ok, "Certificat TLS", "HTTPS intégré non configuré (DJOBEA_TLS_CERT vide) : rien à vérifier"))
        }
        checks.append(
            backupCheck(
                BackupVerification.load(from: dataDirectory), now: now(),
                fix: isCentral ? "« djobea backup --verify --data \(data) --to <fichier de sauvegarde> » avec l'utilisateur du central" : nil))
        if let facts, !isCentral, link != nil || facts.lastSuccessAt != nil {
            checks.append(syncCheck(facts, now: now()))
            checks.append(pendingCheck(facts, now: now()))
        }
        return checks
    }

    static func linkCheck(central: String, status: Int, latency: TimeInterval) -> DoctorCheck {
        let milliseconds = Int((latency * 1000).rounded())
        guard status == 200 else {
            return DoctorCheck(
                .failure, "Liaison avec le central", "\(central) répond HTTP \(status) en \(milliseconds) ms",
                fix: "le central a un problème de son côté : prévenez l'équipe Djobea (son /healthz dit pourquoi : « curl -sS \(central)/healthz »)")
        }
        if latency > slowLink {
            return DoctorCheck(
                .warning, "Liaison avec le central", "\(central) répond en \(milliseconds) ms (lent : plus de 1 s)",
                fix: "liaison lente : la synchro passera mais moins vite ; vérifiez le signal ou le forfait de la box")
        }
        return DoctorCheck(.ok, "Liaison avec le central", "\(central) répond en \(milliseconds) ms")
    }

    /// - Parameters:
    ///   - measured: the hub's clock minus central's now (seconds), when central answered with a `Date`.
    ///   - lastKnownMs: central's clock minus the hub's at the last sync (milliseconds), from the database.
    ///   - centralKnown: whether central's address is known (else nothing could be asked).
    static func clockCheck(measured: TimeInterval?, lastKnownMs: Int64?, centralKnown: Bool = true) -> DoctorCheck {
        let fix = "« timedatectl » doit dire « System clock synchronized: yes » ; sinon « sudo timedatectl set-ntp true »"
        guard let offset = measured ?? lastKnownMs.map({ -Double($0) / 1000 }) else {
            let why = centralKnown ? "le central n'a pas répondu" : "adresse du central inconnue"
            return DoctorCheck(.warning, "Horloge", "non comparée : \(why) et aucune synchro ne l'a mesurée", fix: fix)
        }
        let source = measured == nil ? " (mesuré à la dernière synchro)" : ""
        let text = "décalage de \(signed(offset)) par rapport au central\(source)"
        if abs(offset) > clockFailure { return DoctorCheck(.failure, "Horloge", text + " : plus de 60 s", fix: fix) }
        if abs(offset) > clockWarning { return DoctorCheck(.warning, "Horloge", text + " : plus de 2 s", fix: fix) }
        return DoctorCheck(.ok, "Horloge", text)
    }

    static func diskCheck(path: String) -> DoctorCheck {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value, let size = (attributes[.systemSize] as? NSNumber)?.int64Value,
            size > 0
        else {
            return DoctorCheck(
                .failure, "Espace disque", "impossible de lire l'espace libre de \(path)", fix: "vérifiez que le dossier existe : « df -h \(path) »")
        }
        return diskCheck(path: path, free: free, size: size)
    }

    static func diskCheck(path: String, free: Int64, size: Int64) -> DoctorCheck {
        let ratio = Double(free) / Double(size)
        let text = "\(gigabytes(free)) libres sur \(gigabytes(size)) (\(Int((ratio * 100).rounded())) %) pour \(path)"
        let fix =
            "copiez ailleurs puis supprimez les anciennes sauvegardes de /var/backups/djobea, videz les vieux journaux "
            + "(« sudo journalctl --vacuum-size=100M »), ou mettez un disque plus grand"
        if ratio < diskFailureRatio || free < diskFailureBytes {
            return DoctorCheck(.failure, "Espace disque", text + " : disque presque plein, le hub refusera bientôt les écritures", fix: fix)
        }
        if ratio < diskWarningRatio { return DoctorCheck(.warning, "Espace disque", text, fix: fix) }
        return DoctorCheck(.ok, "Espace disque", text)
    }

    static func certificateCheck(path: String, now: Date) -> DoctorCheck {
        let fix = "renouvelez le certificat (même chemin), puis « sudo systemctl restart djobea-hub »"
        guard let bytes = FileManager.default.contents(atPath: path), let leaf = try? NIOSSLCertificate.fromPEMBytes(Array(bytes)).first else {
            return DoctorCheck(.failure, "Certificat TLS", "\(path) illisible ou pas au format PEM", fix: fix)
        }
        return certificateCheck(path: path, notAfter: Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)), now: now)
    }

    static func certificateCheck(path: String, notAfter: Date, now: Date) -> DoctorCheck {
        let fix = "renouvelez le certificat (même chemin), puis « sudo systemctl restart djobea-hub »"
        let days = notAfter.timeIntervalSince(now) / 86_400
        let until = "valable jusqu'au \(dateText(notAfter))"
        if days < 0 { return DoctorCheck(.failure, "Certificat TLS", "\(path) expiré depuis le \(dateText(notAfter))", fix: fix) }
        if days < certificateFailureDays {
            return DoctorCheck(.failure, "Certificat TLS", "\(path) \(until) : moins de 7 jours", fix: fix)
        }
        if days < certificateWarningDays {
            return DoctorCheck(.warning, "Certificat TLS", "\(path) \(until) : moins de 21 jours", fix: fix)
        }
        return DoctorCheck(.ok, "Certificat TLS", "\(path) \(until) (\(Int(days)) jours)")
    }

    /// - Parameter fix: the action for a central (a hub's is its backup service).
    static func backupCheck(_ record: BackupVerification?, now: Date, fix central: String? = nil) -> DoctorCheck {
        let fix =
            central
            ?? "« sudo systemctl start djobea-backup.service » (sauvegarde vérifiée), puis « journalctl -u djobea-backup.service -n 50 » "
            + "si elle échoue"
        guard let record, let taken = UTCTimestamp.parse(record.backupTakenAt) else {
            return DoctorCheck(.failure, "Sauvegarde", "aucune sauvegarde vérifiée sur cette machine", fix: fix)
        }
        let age = now.timeIntervalSince(taken)
        let text = "dernière sauvegarde vérifiée il y a \(duration(age)) (\(record.backupFile), \(record.totalRows) lignes)"
        if age > backupLate { return DoctorCheck(.failure, "Sauvegarde", text + " : plus de 36 h", fix: fix) }
        if !FileManager.default.fileExists(atPath: record.backupFile) {
            return DoctorCheck(.warning, "Sauvegarde", text + " : ce fichier n'est plus là", fix: fix)
        }
        return DoctorCheck(.ok, "Sauvegarde", text)
    }

    static func syncCheck(_ facts: NodeSyncFacts, now: Date) -> DoctorCheck {
        let fix =
            "regardez la « Dernière erreur » sur /ops et « journalctl -u djobea-hub -n 50 » ; le service doit tourner "
            + "(« sudo systemctl status djobea-hub »)"
        let error =
            facts.lastError.flatMap { message in
                facts.lastErrorAt.map { at in (message, at) }
            }.flatMap { (message, at) in at >= (facts.lastSuccessAt ?? .distantPast) ? " ; dernière erreur : \(message)" : nil } ?? ""
        guard let last = facts.lastSuccessAt else {
            return DoctorCheck(.failure, "Dernière synchro", "jamais réussie\(error)", fix: fix)
        }
        let age = now.timeIntervalSince(last)
        let text = "il y a \(duration(age))\(error)"
        if age > syncFailure { return DoctorCheck(.failure, "Dernière synchro", text + " (plus de 15 min)", fix: fix) }
        if age > syncWarning { return DoctorCheck(.warning, "Dernière synchro", text + " (plus de 5 min)", fix: fix) }
        return DoctorCheck(.ok, "Dernière synchro", text)
    }

    static func pendingCheck(_ facts: NodeSyncFacts, now: Date) -> DoctorCheck {
        let oldest = facts.oldestPendingAt.map { now.timeIntervalSince($0) }
        let text =
            "\(facts.pendingChanges) modification(s) à envoyer au central"
            + (oldest.map { ", la plus ancienne il y a \(duration($0))" } ?? "")
        if facts.pendingChanges > pendingFailure || (oldest ?? 0) > syncFailure {
            return DoctorCheck(
                .failure, "En attente", text,
                fix: "la synchro ne passe pas : voyez la ligne « Liaison avec le central » et la « Dernière erreur » sur /ops")
        }
        return DoctorCheck(.ok, "En attente", text)
    }

    // MARK: - Wording

    /// "+0,3 s", "−1 min 05 s".
    static func signed(_ seconds: TimeInterval) -> String {
        let sign = seconds < 0 ? "−" : "+"
        let magnitude = abs(seconds)
        if magnitude < 60 { return sign + String(format: "%.1f", magnitude).replacingOccurrences(of: ".", with: ",") + " s" }
        return sign + duration(magnitude)
    }

    /// "45 s", "12 min", "3 h 05", "2 j 4 h".
    static func duration(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds))
        switch whole {
        case ..<60: return "\(whole) s"
        case ..<3600: return "\(whole / 60) min"
        case ..<86_400: return String(format: "%d h %02d", whole / 3600, (whole % 3600) / 60)
        default: return "\(whole / 86_400) j \((whole % 86_400) / 3600) h"
        }
    }

    static func gigabytes(_ bytes: Int64) -> String {
        String(format: "%.1f Go", Double(bytes) / 1_000_000_000).replacingOccurrences(of: ".", with: ",")
    }

    static func dateText(_ date: Date) -> String {
        OpsWording.timestamp(date)
    }
}
