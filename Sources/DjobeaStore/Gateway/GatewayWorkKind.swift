/// What a row of the gateway's local `gateway_work` table is about (`gateway_work.kind`; raw values are the schema's
/// CHECK strings). The table is not synced, so it has no record: its SQL names the kind through this enum.
public enum GatewayWorkKind: String, CaseIterable, Sendable {
    /// A client message (`messages` row) to send; the work key is the message id.
    case message
    /// A push to a provider's browsers; the work key is `PushWork.key`.
    case push
    /// A provider's activity summary; the work key is `ActivitySummaries.workKey`.
    case summary
}
