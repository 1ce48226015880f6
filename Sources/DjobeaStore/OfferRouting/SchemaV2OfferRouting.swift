/// Schema additions of offer routing (migration "v2-offer-routing").
///
/// Routing keeps no state of its own: rounds, budget and deadlines are derived from `request_offers`, `missions` and
/// `mission_events`, so a hub rebuilt from a sync snapshot routes exactly as before. The one addition is a partial
/// index so that each sweep finds the pending offers without scanning every offer ever made (indexes are local to a
/// node; they do not travel).
enum SchemaV2OfferRouting {
    static let sql = """
        CREATE INDEX request_offers_pending ON request_offers(request_id, expires_at) WHERE state = 'pending';
        """
}
