import DjobeaDomain
import Foundation
import Testing

/// `deploy/whatsapp-templates/<name>.json` must say exactly what the Swift catalogue says: the operator submits those
/// files to Meta and Twilio, the gateway sends the catalogue's names, parameters and quick replies.
///
/// To rewrite the files after a catalogue change, run this suite once with `DJOBEA_WRITE_TEMPLATE_FILES=1`.
@Suite("WhatsApp template files for the operator match the catalogue")
struct TemplateFilesTests {
    /// The shape of one file.
    struct TemplateFile: Codable, Equatable {
        struct QuickReply: Codable, Equatable {
            var title: String
            var payload: String
        }

        var name: String
        var language: String
        var category: String
        var body: String
        var variables: [String]
        var examples: [String]
        var quickReplies: [QuickReply]
        var essential: Bool
        /// `DOCUMENT` for a template whose header is a PDF.
        var header: String?

        enum CodingKeys: String, CodingKey {
            case name, language, category, body, variables, examples, essential, header
            case quickReplies = "quick_replies"
        }

        init(_ template: WhatsAppTemplate) {
            name = template.name
            language = WhatsAppTemplates.language
            category = template.category
            body = template.body
            variables = template.variables
            examples = template.examples
            quickReplies = template.quickReplies.map { QuickReply(title: $0.title, payload: $0.payload) }
            essential = template.essential
            header = template.documentHeader == true ? "DOCUMENT" : nil
        }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/whatsapp-templates")

    static func encoded(_ template: WhatsAppTemplate) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(TemplateFile(template)) + Data("\n".utf8)
    }

    @Test func eachTemplateHasItsFileAndNoFileIsExtra() throws {
        if ProcessInfo.processInfo.environment["DJOBEA_WRITE_TEMPLATE_FILES"] == "1" {
            for template in WhatsAppTemplates.all {
                try Self.encoded(template).write(to: Self.directory.appendingPathComponent("\(template.name).json"))
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        #expect(files.sorted() == WhatsAppTemplates.all.map { "\($0.name).json" }.sorted())
        for template in WhatsAppTemplates.all {
            let data = try Data(contentsOf: Self.directory.appendingPathComponent("\(template.name).json"))
            let file = try JSONDecoder().decode(TemplateFile.self, from: data)
            #expect(file == TemplateFile(template), "\(template.name).json differs from the catalogue")
            // Nothing but the known keys.
            let keys = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?.keys.sorted()
            let header = template.documentHeader == true ? ["header"] : []
            #expect(keys == (["body", "category", "essential", "examples", "language", "name", "quick_replies", "variables"] + header).sorted())
        }
    }

    @Test func theCatalogueIsConsistent() {
        #expect(Set(WhatsAppTemplates.all.map(\.name)).count == WhatsAppTemplates.all.count)
        for template in WhatsAppTemplates.all {
            #expect(template.variables.count == template.examples.count, "\(template.name)")
            for index in 1...max(1, template.variables.count) where !template.variables.isEmpty {
                #expect(template.body.contains("{{\(index)}}"), "\(template.name) {{\(index)}}")
            }
            #expect(!template.body.contains("{{\(template.variables.count + 1)}}"), "\(template.name)")
            #expect(template.name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(template.name)")
        }
    }

    @Test func theReadmeNamesEachTemplateAndItsContentSidVariable() throws {
        let readme = try String(contentsOf: Self.directory.appendingPathComponent("README.md"), encoding: .utf8)
        for template in WhatsAppTemplates.all {
            #expect(readme.contains("TWILIO_CONTENT_SID_\(template.name.uppercased())"), "\(template.name)")
            #expect(readme.contains("`\(template.name)`"), "\(template.name)")
        }
    }
}
