import DjobeaPostgres
import DjobeaServer
import Testing

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("a full URL gives user, password, host, port and database")
    func full() throws {
        let url = try PostgresURL("postgresql://djobea:s3cr%40t@db.example:6543/central")
        #expect(url == PostgresURL(user: "djobea", password: "s3cr@t", host: "db.example", port: 6543, database: "central"))
        #expect(url.description == "postgresql://djobea:***@db.example:6543/central")
    }

    @Test("postgres:// is accepted, the port defaults to 5432 and the password is optional")
    func defaults() throws {
        let url = try PostgresURL("postgres://djobea@127.0.0.1/postgres")
        #expect(url == PostgresURL(user: "djobea", host: "127.0.0.1", port: 5432, database: "postgres"))
    }

    @Test(
        "a bad URL is refused with a French reason",
        arguments: [
            ("http://djobea@h/db", "schéma"), ("postgresql://h/db", "utilisateur"), ("postgresql://djobea@h", "base"),
            ("postgresql://djobea@h/", "base"), ("postgresql://djobea@h/db?sslmode=require", "paramètres"),
            ("postgresql://djobea@/db", "hôte"), ("pas une adresse", "illisible"), ("postgresql://djobea@h:0/db", "port"),
        ])
    func refused(_ text: String, _ reason: String) {
        #expect {
            _ = try PostgresURL(text)
        } throws: { error in
            let description = String(describing: error)
            return description.hasPrefix("Adresse PostgreSQL invalide") && description.contains(reason)
        }
    }

    @Test("what the operator reads never shows a password, whatever the text given")
    func redactedForDisplay() {
        #expect(PostgresURLDisplay.redacted("postgresql://djobea:s3cret@db:5432/central") == "postgresql://djobea:***@db:5432/central")
        #expect(PostgresURLDisplay.redacted("postgresql://djobea@db/central?password=s3cret") == "postgresql://djobea@db/central")
        for given in ["postgresql://u:s3cr%zz et|x@db/central", "djobea:s3cret@db/central", "postgresql://u:s3cret@@db/c"] {
            #expect(!PostgresURLDisplay.redacted(given).contains("s3cr"), "\(given) → \(PostgresURLDisplay.redacted(given))")
        }
    }
}
