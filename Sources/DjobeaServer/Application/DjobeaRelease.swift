import DjobeaPostgres
import DjobeaStore
import DjobeaSync

/// Which Djobea Edge this binary is: `djobea --version` prints it, and `scripts/release.sh` names its tarball after
/// `version` (read from the built binary).
public enum DjobeaRelease {
    /// The release, `major.minor.patch`: raise it for every tarball handed to hub operators.
    public static let version = "0.1.0"

    /// What `djobea --version` prints: the release, then the sync protocol and the database schemas this binary speaks
    /// and migrates to (SQLite for hubs and central, PostgreSQL for central).
    public static var versionText: String {
        """
        djobea \(version)
        protocole de synchronisation \(syncProtocolVersion)
        schéma SQLite \(NodeDatabase.latestSchemaVersion), schéma PostgreSQL \(postgresSchemaVersion)
        """
    }

    /// Central's PostgreSQL schema version this binary migrates to.
    public static var postgresSchemaVersion: Int { PostgresSchema.latestVersion }
}
