import DjobeaDomain

/// Tables that exist only on this node: authentication state, derived projections and sync bookkeeping.
public enum LocalTable: String, CaseIterable, Sendable {
    case providerSessions = "provider_sessions"
    case otpChallenges = "otp_challenges"
    case authFailures = "auth_failures"
    case totpUsedSteps = "totp_used_steps"
    case providerStatsCache = "provider_stats_cache"
    case missions
    case nodeIdentity = "node_identity"
    case changeLog = "change_log"
    case tombstones, peers
    case syncConflicts = "sync_conflicts"
    case blobs
    case gatewayWork = "gateway_work"
    case gatewayInbound = "gateway_inbound"
    case collectionWork = "collection_work"
}
