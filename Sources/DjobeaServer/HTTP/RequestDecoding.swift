import Foundation
import Hummingbird

/// Reads a JSON body strictly: size-capped, JSON only, decoding errors turned into a French 4xx naming the field.
public enum RequestDecoding {
    /// The largest JSON body a provider route accepts.
    public static let maxBodyBytes = 64 * 1024

    /// Bodies follow the API's key policy (`JSONCoding.decoder`); the sync protocol's messages pass
    /// `JSONCoding.declaredKeys`.
    public static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, maxBytes: Int = maxBodyBytes, decoder: JSONDecoder = JSONCoding.decoder
    ) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "Le corps doit être du JSON (application/json).")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "Requête trop volumineuse (maximum \(maxBytes / 1024) Ko).")
        }
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, code: "empty_body", message: "Le corps de la requête est vide.")
        }
        if containsControlCharacter(buffer.readableBytesView) {
            throw APIError(
                .badRequest, code: "control_character",
                message: "Le texte envoyé contient un caractère de contrôle invisible (par exemple U+0000) : retirez-le et réessayez.")
        }
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "invalid_json", message: describe(error))
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "JSON invalide.")
        }
    }

    /// Whether a JSON text holds a C0 control character other than tab, line feed and carriage return, raw or as a
    /// `\uXXXX` escape (U+0000 would cut the text stored by SQLite while the change log keeps all of it). A backslash
    /// only occurs inside JSON strings, where it starts an escape, so the escapes are read without tracking strings.
    static func containsControlCharacter(_ bytes: some Collection<UInt8>) -> Bool {
        let allowed: Set<UInt32> = [0x09, 0x0A, 0x0D]
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            if byte < 0x20 {
                if !allowed.contains(UInt32(byte)) { return true }
                continue
            }
            guard byte == UInt8(ascii: "\\") else { continue }
            guard let escaped = iterator.next() else { return false }
            guard escaped == UInt8(ascii: "u") else { continue }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = iterator.next(), let nibble = hexValue(digit) else { return false }
                value = value << 4 | nibble
            }
            if value < 0x20, !allowed.contains(value) { return true }
        }
        return false
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? JSONCoding.wireName($0.stringValue) }
            return names.isEmpty ? "le corps" : "« \(names.joined(separator: ".")) »"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (context.codingPath + [key]).map { JSONCoding.wireName($0.stringValue) }.joined(separator: ".")
            return "Champ obligatoire manquant : « \(field) »."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "Type invalide pour \(path(context))."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "JSON invalide." : "Valeur invalide pour \(path(context))."
        @unknown default:
            return "JSON invalide."
        }
    }
}
