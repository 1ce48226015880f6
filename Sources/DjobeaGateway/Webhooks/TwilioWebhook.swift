import Crypto
import Foundation

/// Twilio webhooks (status callbacks and inbound messages): the `X-Twilio-Signature` check and the form fields.
public enum TwilioWebhook {
    /// Whether `header` (`X-Twilio-Signature`) is the base64 HMAC-SHA1, keyed with the auth token, of `url` (exactly as
    /// configured at Twilio, query included) followed by each form parameter's name and value, sorted by name.
    /// Compared in constant time; false for a missing or malformed header or an empty token.
    public static func verifySignature(url: String, form: [(String, String)], header: String?, authToken: String) -> Bool {
        guard !authToken.isEmpty, let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty,
            let received = Data(base64Encoded: header), received.count == 20
        else { return false }
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(
            received, authenticating: signedBytes(url: url, form: form), using: SymmetricKey(data: Array(authToken.utf8)))
    }

    /// The base64 signature Twilio computes for `url` and `form` (what `X-Twilio-Signature` must hold).
    public static func signature(url: String, form: [(String, String)], authToken: String) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(
            for: signedBytes(url: url, form: form), using: SymmetricKey(data: Array(authToken.utf8)))
        return Data(code).base64EncodedString()
    }

    /// `url` + name + value of each parameter, sorted by name (then value, for a repeated name), byte order.
    static func signedBytes(url: String, form: [(String, String)]) -> [UInt8] {
        let sorted = form.map { (Array($0.0.utf8), Array($0.1.utf8)) }.sorted { left, right in
            left.0 == right.0 ? left.1.lexicographicallyPrecedes(right.1) : left.0.lexicographicallyPrecedes(right.0)
        }
        var bytes = Array(url.utf8)
        for (name, value) in sorted {
            bytes += name
            bytes += value
        }
        return bytes
    }

    /// The fields of an `application/x-www-form-urlencoded` body, in order: `+` is a space, `%XX` a byte; a component
    /// with an invalid escape is kept as written.
    public static func parseForm(_ body: [UInt8]) -> [(String, String)] {
        String(decoding: body, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The event of one Twilio call: a status callback (`MessageStatus` sent, delivered, read, failed or undelivered;
    /// queued, accepted, sending and the like give nothing) or an inbound message (`From`, `Body`, `ButtonPayload`…).
    ///
    /// - Parameter query: the query of the called URL; `m` is our message id, as the drivers put it in `StatusCallback`.
    public static func events(form: [(String, String)], query: [String: String]) -> [WebhookEvent] {
        var fields: [String: String] = [:]
        for (name, value) in form where fields[name] == nil { fields[name] = value }
        func field(_ name: String) -> String? { fields[name].flatMap { $0.isEmpty ? nil : $0 } }

        let status = field("MessageStatus") ?? field("SmsStatus")
        if let status, status != "received", status != "receiving" {
            guard let sid = field("MessageSid") ?? field("SmsSid") ?? field("SmsMessageSid") else { return [] }
            let state: ReportedState
            switch status {
            case "sent": state = .sent
            case "delivered": state = .delivered
            case "read": state = .read
            case "failed", "undelivered": state = .failed
            default: return []
            }
            let errorCode = field("ErrorCode").flatMap { $0 == "0" ? nil : $0 }
            return [
                .status(
                    StatusEvent(
                        externalId: sid, messageId: query["m"].flatMap { $0.isEmpty ? nil : $0 }, state: state, errorCode: errorCode,
                        errorText: field("ErrorMessage")))
            ]
        }
        guard let sid = field("MessageSid") ?? field("SmsMessageSid") ?? field("SmsSid"), let from = field("From") else { return [] }
        let whatsApp = from.hasPrefix("whatsapp:")
        let payload = field("ButtonPayload")
        let text = payload != nil ? (field("ButtonText") ?? field("Body")) : field("Body")
        return [
            .inbound(
                InboundEvent(
                    externalId: sid, from: whatsApp ? String(from.dropFirst("whatsapp:".count)) : from, channel: whatsApp ? .whatsapp : .sms,
                    text: text, buttonPayload: payload, contextExternalId: field("OriginalRepliedMessageSid"),
                    profileName: field("ProfileName")))
        ]
    }
}
