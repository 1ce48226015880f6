import Crypto
import Foundation

/// Request signing between an enrolled hub and central (SPEC.md §7).
///
/// The hub signs `DJOBEA-SYNC-1 \n METHOD \n PATH \n HUB-ID \n COUNTER \n TIME \n SHA256(BODY)` with HMAC-SHA256
/// under the secret it received at enrolment. The counter strictly increases per hub: central refuses any counter
/// it has already passed, so a captured request cannot be replayed, and no clock agreement is needed (a hub whose
/// clock is hours off still syncs; its offset is only reported).
public enum SyncSignature {
    public enum Header {
        public static let hub = "Djobea-Hub"
        public static let counter = "Djobea-Counter"
        public static let time = "Djobea-Time"
        public static let signature = "Djobea-Signature"
        public static let protocolVersion = "Djobea-Protocol"
    }

    public static func canonical(method: String, path: String, hubId: String, counter: Int64, time: Int64, body: some DataProtocol) -> String {
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        return ["DJOBEA-SYNC-1", method.uppercased(), path, hubId, String(counter), String(time), digest].joined(separator: "\n")
    }

    public static func sign(secret: String, method: String, path: String, hubId: String, counter: Int64, time: Int64, body: some DataProtocol)
        -> String
    {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(canonical(method: method, path: path, hubId: hubId, counter: counter, time: time, body: body).utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    public static func isValid(
        _ signature: String, secret: String, method: String, path: String, hubId: String, counter: Int64, time: Int64, body: some DataProtocol
    ) -> Bool {
        guard let given = Data(base64Encoded: signature) else { return false }
        let key = SymmetricKey(data: Data(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(
            given, authenticating: Data(canonical(method: method, path: path, hubId: hubId, counter: counter, time: time, body: body).utf8),
            using: key)
    }
}
