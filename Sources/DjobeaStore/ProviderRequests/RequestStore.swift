import DjobeaDomain
import Foundation
import GRDB

/// What a provider reads about their requests: the list, the card, alerts, the delta feed for the phone, message templates, photos.
public struct RequestStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// One page of `providerId`'s requests at `now`.
    public func list(
        providerId: String, filter: ProviderRequestFilter = ProviderRequestFilter(), page: ProviderRequestPaging = ProviderRequestPaging(),
        now: Date = Date()
    ) async throws -> ProviderRequestPage {
        try await database.read { db in try ProviderRequestsQuery.list(providerId: providerId, filter: filter, page: page, now: now, in: db) }
    }

    /// The list items of `requestIds` that `providerId` may see (see `ProviderRequestsQuery.items(providerId:requestIds:now:in:)`).
    public func items(providerId: String, requestIds: [String], now: Date = Date()) async throws -> [ProviderRequestItem] {
        try await database.read { db in try ProviderRequestsQuery.items(providerId: providerId, requestIds: requestIds, now: now, in: db) }
    }

    /// The request card, nil when `providerId` may not see the request.
    public func detail(providerId: String, requestId: String, now: Date = Date()) async throws -> ProviderRequestDetail? {
        try await database.read { db in try ProviderRequestsQuery.detail(providerId: providerId, requestId: requestId, now: now, in: db) }
    }

    /// The alerts of `providerId` at `now`.
    public func alerts(providerId: String, now: Date = Date()) async throws -> ProviderAlerts {
        try await database.read { db in try ProviderAlertsQuery.notifications(providerId: providerId, now: now, in: db) }
    }

    /// `providerId`'s request changes after `cursor` (see `ProviderChangesQuery.changes`).
    public func changes(
        providerId: String, cursor: ProviderChangesCursor?, limit: Int = ProviderChangesQuery.defaultLimit, now: Date = Date()
    )
        async throws -> ProviderChanges
    {
        try await database.read { db in try ProviderChangesQuery.changes(providerId: providerId, cursor: cursor, limit: limit, now: now, in: db) }
    }

    /// The templates `providerId` may use, in the catalogue's order (own templates first within the same order).
    public func messageTemplates(providerId: String) async throws -> MessageTemplateList {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT code, kind, body, provider_id IS NOT NULL AS own, sort_order FROM message_templates
                    WHERE (provider_id = ? OR provider_id IS NULL) AND code <> 'acceptation'
                    ORDER BY kind, code, provider_id IS NULL
                    """, arguments: [providerId])
            var seen = Set<String>()
            var replies: [(Int, MessageTemplateList.Template)] = []
            var questions: [(Int, MessageTemplateList.Template)] = []
            for row in rows {
                let kindText: String = row["kind"]
                let kind = MessageTemplateKind(rawValue: kindText)
                let code: String = row["code"]
                guard seen.insert(kindText + "/" + code).inserted else { continue }  // the provider's own comes first
                let template = MessageTemplateList.Template(code: code, body: row["body"], own: row["own"])
                let order: Int = row["sort_order"]
                if kind == .reply { replies.append((order, template)) } else { questions.append((order, template)) }
            }
            func sorted(_ list: [(Int, MessageTemplateList.Template)]) -> [MessageTemplateList.Template] {
                list.sorted { ($0.0, $0.1.code) < ($1.0, $1.1.code) }.map(\.1)
            }
            return MessageTemplateList(replies: sorted(replies), questions: sorted(questions))
        }
    }

    /// The bytes of a photo `providerId` may see (one the request card lists: a before/after/other photo of a
    /// request offered or assigned to them, taken by them or by nobody in particular), the thumbnail when asked and
    /// present. Nil when they may not see it or this hub lacks the bytes.
    public func photo(providerId: String, photoId: String, thumbnail: Bool, blobs: BlobStore, now: Date = Date()) async throws
        -> MissionPhotoFile?
    {
        guard DjobeaID.isValid(photoId), DjobeaID.isValid(providerId) else { return nil }
        let found = try await database.read { db -> (sha256: String, thumb: String?, mime: String)? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT request_id, provider_id, kind, sha256, thumb_sha256, mime FROM photos
                        WHERE id = ? AND kind <> \(PhotoKind.profile.sqlLiteral)
                        """,
                    arguments: [photoId]),
                let requestId: String = row["request_id"]
            else { return nil }
            let owner: String? = row["provider_id"]
            guard owner == nil || owner == providerId,
                try ProviderRequestAccess.load(providerId: providerId, requestId: requestId, now: now, in: db) != nil
            else { return nil }
            return (row["sha256"], row["thumb_sha256"], row["mime"])
        }
        guard let found else { return nil }
        if thumbnail, let thumb = found.thumb, blobs.contains(thumb), let data = try? blobs.read(thumb),
            let info = ImageHeader.inspect(Array(data.prefix(64)))
        {
            return MissionPhotoFile(data: data, mime: info.mime, sha256: thumb)
        }
        let sha256 = found.sha256
        // The type the bytes are, not the one recorded: bytes that are no image are not served at all.
        guard blobs.contains(sha256), let data = try? blobs.read(sha256), let info = ImageHeader.inspect(Array(data.prefix(64))) else {
            return nil
        }
        return MissionPhotoFile(data: data, mime: info.mime, sha256: sha256)
    }
}
