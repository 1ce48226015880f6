/// How far central's clock is from a hub's, from one sync exchange (SPEC.md §2.2).
public enum HubClockOffset {
    /// Central's clock minus the hub's, in milliseconds. Central stamps `serverTime` while answering, so it is compared
    /// with the middle of the round trip (`sent` … `received`, the hub's clock). A round trip over 10 s (a long download
    /// on a slow link) says too little about the clocks: nil, and the last measured offset stays.
    public static func measure(serverTime: Int64, sent: Int64, received: Int64) -> Int64? {
        guard received >= sent, received - sent <= 10_000 else { return nil }
        return serverTime - (sent + received) / 2
    }
}
