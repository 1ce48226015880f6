import Foundation

/// Where a PostgreSQL database is: `postgresql://user[:password]@host[:port]/database` (or `postgres://`). The user and
/// password may be percent-encoded; the port defaults to 5432. Query parameters are refused (no TLS for now: central and
/// its database talk over a private link or the loopback).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    public init(user: String, password: String? = nil, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    public init(_ string: String) throws {
        let bad = { (reason: String) in PostgresURLError(url: string, reason: reason) }
        guard let components = URLComponents(string: string), let scheme = components.scheme else {
            throw bad("adresse illisible")
        }
        guard scheme == "postgresql" || scheme == "postgres" else {
            throw bad("le schéma doit être postgresql:// ou postgres:// (pas « \(scheme) »)")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("l'hôte manque") }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw bad("l'utilisateur manque (postgresql://utilisateur@hôte/base)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/"), let name = database.removingPercentEncoding else {
            throw bad("le nom de la base manque ou est invalide (…/base)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw bad("le port \(port) est hors de 1…65535")
        }
        guard components.percentEncodedQuery == nil, components.fragment == nil else {
            throw bad("les paramètres (?…) ne sont pas pris en charge")
        }
        self.init(
            user: user, password: components.percentEncodedPassword?.removingPercentEncoding, host: host,
            port: components.port ?? 5432, database: name)
    }

    /// The URL without its password.
    public var description: String {
        "postgresql://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }
}

/// A PostgreSQL URL that cannot be used; the message says why, in French, for the operator.
public struct PostgresURLError: Error, Equatable, CustomStringConvertible {
    public let url: String
    public let reason: String

    public var description: String {
        "Adresse PostgreSQL invalide (\(reason)) : attendu postgresql://utilisateur[:mot_de_passe]@hôte[:port]/base"
    }
}
