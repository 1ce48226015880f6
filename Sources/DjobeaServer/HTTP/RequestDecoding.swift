import Foundation
import Hummingbird

/// Reads a JSON body strictly: size-capped, JSON only, decoding errors turned into a French 4xx naming the field.
public enum RequestDecoding {
    /// The largest JSON body a provider route accepts.
    public static let maxBodyBytes = 64 * 1024

    public static func decode<T: Decodable>(_ type: T.Type, from request: Request, maxBytes: Int = maxBodyBytes) async throws -> T {
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
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "invalid_json", message: describe(error))
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "JSON invalide.")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "le corps" : "« \(names.joined(separator: ".")) »"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
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
