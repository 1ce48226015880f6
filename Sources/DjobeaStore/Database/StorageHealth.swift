import DjobeaDomain
import Foundation
import GRDB

/// Why the node's storage refuses writes: the disk is full, the database or its filesystem is read-only, or the
/// disk answers I/O errors.
public enum StorageFailure: String, Sendable, Codable, CaseIterable {
    case full
    case readOnly = "read_only"
    case ioError = "io_error"
    /// The database server does not answer (PostgreSQL: connection lost or refused, server shutting down).
    case unreachable

    /// The stable error code a client or an ops person sees.
    public var code: String {
        switch self {
        case .full: "stockage_plein"
        case .readOnly: "stockage_lecture_seule"
        case .ioError: "stockage_erreur_disque"
        case .unreachable: "stockage_injoignable"
        }
    }

    /// What the person in front of the screen reads: what happened, that nothing was recorded, what to do.
    public var messageFR: String {
        switch self {
        case .full:
            "Stockage plein : le disque du nœud n'a plus de place. Rien n'a été enregistré ; réessayez dans un moment (l'équipe technique doit libérer de l'espace)."
        case .readOnly:
            "Stockage en lecture seule : le nœud ne peut plus écrire sur son disque. Rien n'a été enregistré ; réessayez dans un moment."
        case .ioError:
            "Erreur du disque : le nœud n'a pas pu lire ou écrire ses données. Rien n'a été enregistré ; réessayez dans un moment."
        case .unreachable:
            "Base de données injoignable : le nœud ne peut pas joindre son serveur de base de données. Rien n'a été enregistré ; réessayez dans un moment."
        }
    }

    /// Seconds before a retry makes sense (`Retry-After`).
    public var retryAfterSeconds: Int { 30 }

    /// The storage failure behind `error`, if it is one: SQLite's `SQLITE_FULL`, `SQLITE_READONLY` (every extended
    /// code), `SQLITE_IOERR` (every extended code), or a filesystem `ENOSPC`/`EDQUOT`, `EROFS`, `EIO`.
    public static func classify(_ error: any Error) -> StorageFailure? {
        if let error = error as? any ClassifiedStorageError { return error.storageFailure }
        if let error = error as? DatabaseError {
            switch error.resultCode.primaryResultCode {
            case .SQLITE_FULL: return .full
            case .SQLITE_READONLY: return .readOnly
            case .SQLITE_IOERR: return .ioError
            default: return nil
            }
        }
        if let error = error as? POSIXError { return classify(errno: error.code.rawValue) }
        if let error = error as? CocoaError {
            switch error.code {
            case .fileWriteOutOfSpace: return .full
            case .fileWriteVolumeReadOnly: return .readOnly
            default:
                if let underlying = error.userInfo[NSUnderlyingErrorKey] as? any Error { return classify(underlying) }
                return nil
            }
        }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return classify(errno: Int32(error.code)) }
        return nil
    }

    static func classify(errno code: Int32) -> StorageFailure? {
        switch code {
        case ENOSPC, EDQUOT: .full
        case EROFS: .readOnly
        case EIO: .ioError
        default: nil
        }
    }
}

/// An error of a storage engine that knows which of its failures are the storage's (a database server that is down, a
/// full disk on its side) rather than the request's: the PostgreSQL adapter's errors conform where the node is composed.
public protocol ClassifiedStorageError: Error {
    /// The storage failure this error is, nil when it is not one (a constraint, a malformed statement).
    var storageFailure: StorageFailure? { get }
}

/// The node's storage is refusing writes: why, since when, and the last failure seen.
public struct StorageDegradation: Sendable, Equatable {
    public var reason: StorageFailure
    /// When the first failure of this episode was seen.
    public var since: Date
    /// When the most recent failure was seen.
    public var lastFailureAt: Date
    /// The underlying error, for logs and ops (not for providers).
    public var detail: String
    /// Whether someone logged this episode already (`takeAnnouncement`).
    var announced = false
}

/// What the node remembers of its storage: degraded from a storage failure until the next successful commit (a
/// request's write, a background job's, or the periodic probe's).
public final class StorageHealth: Sendable {
    private let state = LockedValue<StorageDegradation?>(nil)

    public init() {}

    /// The current degradation, nil while storage works.
    public var degradation: StorageDegradation? { state.withLock { $0 } }

    /// Records a failure; keeps `since` of an episode already open, unless the reason changed.
    ///
    /// - Returns: true when this opens a new episode (the state changed), to log it once.
    @discardableResult
    public func record(_ reason: StorageFailure, detail: String, at date: Date = Date()) -> Bool {
        state.withLock { current in
            if var open = current, open.reason == reason {
                open.lastFailureAt = date
                open.detail = detail
                current = open
                return false
            }
            current = StorageDegradation(reason: reason, since: date, lastFailureAt: date, detail: detail, announced: false)
            return true
        }
    }

    /// True once per episode: the caller that gets it logs the episode at error level, the others quietly.
    public func takeAnnouncement() -> Bool {
        state.withLock { current in
            guard var open = current, !open.announced else { return false }
            open.announced = true
            current = open
            return true
        }
    }

    /// Records `error` if it is a storage failure; returns its classification.
    @discardableResult
    public func record(ifStorageFailure error: any Error, at date: Date = Date()) -> StorageFailure? {
        guard let reason = StorageFailure.classify(error) else { return nil }
        record(reason, detail: "\(error)", at: date)
        return reason
    }

    /// Storage works again (a write committed).
    ///
    /// - Returns: the episode that ended, if one was open.
    @discardableResult
    public func clear() -> StorageDegradation? {
        state.withLock { current in
            defer { current = nil }
            return current
        }
    }
}

extension NodeDatabase {
    /// A small real write (a row inserted and deleted in one transaction, so pages are written and committed) to
    /// learn whether storage works again. Its commit clears `storage` like any other.
    ///
    /// - Throws: the storage error when it still fails (recorded in `storage` too).
    public func probeStorage(now: Date = Date()) async throws {
        do {
            try await writer.write { db in
                let stamp = UTCTimestamp.format(now)
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO provider_request_commands (provider_id, idempotency_key, command, request_id, result, created_at)
                        VALUES ('~storage-probe', 'probe', 'probe', '', '{}', ?)
                        """, arguments: [stamp])
                try db.execute(sql: "DELETE FROM provider_request_commands WHERE provider_id = '~storage-probe'")
            }
        } catch {
            storage.record(ifStorageFailure: error)
            throw error
        }
    }
}
