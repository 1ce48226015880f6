import DjobeaDomain

/// A write refused by a UNIQUE, CHECK or NOT NULL constraint (SQLSTATE 23505, 23514, 23502): the rows broke a rule of
/// the schema. The transaction it happened in is rolled back when the error leaves the body.
public struct PostgresConstraintViolation: Error, Equatable, CustomStringConvertible {
    /// The server's message, e.g. `duplicate key value violates unique constraint "hubs_name_key"`.
    public let message: String
    /// The SQLSTATE (23505 unique, 23514 check, 23502 not null).
    public let sqlState: String
    /// The constraint's name, when the server gives one.
    public let constraint: String?

    public init(message: String, sqlState: String = "23000", constraint: String? = nil) {
        self.message = message
        self.sqlState = sqlState
        self.constraint = constraint
    }

    public var description: String { "Contrainte PostgreSQL violée (\(sqlState)) : \(message)" }
}

/// Any other failure of the database: an error from the server (with its SQLSTATE), a lost connection, a value of a
/// type the sync schema does not use, a closed database.
public enum PostgresDatabaseError: Error, CustomStringConvertible {
    case server(sqlState: String, message: String, detail: String?, sql: String)
    case connection(String)
    case unsupportedType(column: String, type: String)
    case closed

    public var description: String {
        switch self {
        case .server(let state, let message, let detail, let sql):
            let more = detail.map { " (\($0))" } ?? ""
            return "Erreur PostgreSQL \(state) : \(message)\(more) — requête : \(sql.prefix(200))"
        case .connection(let reason): return "Connexion PostgreSQL perdue ou impossible : \(reason)"
        case .unsupportedType(let column, let type):
            return "Type PostgreSQL non pris en charge pour la colonne \(column) : \(type) (entiers, texte et NULL seulement)"
        case .closed: return "La base PostgreSQL est fermée"
        }
    }

    /// SQLSTATE of a server error.
    public var sqlState: String? {
        if case .server(let state, _, _, _) = self { return state }
        return nil
    }
}
