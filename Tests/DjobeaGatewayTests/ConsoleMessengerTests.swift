import DjobeaDomain
import Foundation
import Testing

@testable import DjobeaGateway

@Suite("Console driver: one JSON line per client message")
struct ConsoleMessengerTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("djobea-console-\(UUID().uuidString)")
    }

    func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func writesTextAndTemplatesToOneFilePerChannel() async throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("outbox")
        let at = Date(timeIntervalSince1970: 1_764_000_000.25)
        let console = ConsoleMessenger(directory: directory, clock: { at })
        #expect(console.channels == [.whatsapp, .sms])

        let call = TemplateCall(
            name: "nouveau_creneau", parameters: ["Jean-Paul", "Fuite", "mardi 9 h"], quickReplies: ["creneau_oui", "creneau_non"],
            text: "Jean-Paul vous propose…")
        let first = try await console.send(
            ClientOutbound(messageId: "msg_01", to: "+237699000001", channel: .whatsapp, content: .template(call)))
        let second = try await console.send(
            ClientOutbound(messageId: "msg_02", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour / à \"demain\"")))
        let third = try await console.send(ClientOutbound(messageId: "msg_03", to: "+237677000002", channel: .sms, content: .text("SMS")))
        #expect([first, second, third].map(\.externalId) == ["console-msg_01", "console-msg_02", "console-msg_03"])

        let whatsApp = try lines(console.fileURL(for: .whatsapp))
        #expect(
            whatsApp == [
                #"{"at":"2025-11-24T16:00:00.250Z","channel":"whatsapp","external_id":"console-msg_01","id":"msg_01","kind":"template","#
                    + #""parameters":["Jean-Paul","Fuite","mardi 9 h"],"quick_replies":["creneau_oui","creneau_non"],"#
                    + #""template":"nouveau_creneau","text":"Jean-Paul vous propose…","to":"+237699000001"}"#,
                #"{"at":"2025-11-24T16:00:00.250Z","channel":"whatsapp","external_id":"console-msg_02","id":"msg_02","kind":"text","#
                    + #""parameters":[],"quick_replies":[],"template":null,"text":"Bonjour / à \"demain\"","to":"+237699000001"}"#,
            ])
        let sms = try lines(directory.appendingPathComponent("sms.jsonl"))
        #expect(sms.count == 1)
        let decoded = try JSONDecoder().decode(ConsoleMessenger.Line.self, from: Data(sms[0].utf8))
        #expect(decoded.channel == "sms")
        #expect(decoded.text == "SMS")
        #expect(decoded.template == nil)

        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)
        for channel in ClientChannel.allCases {
            let mode = try FileManager.default.attributesOfItem(atPath: console.fileURL(for: channel).path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func concurrentSendsNeverInterleaveLines() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = ConsoleMessenger(directory: directory)
        let long = String(repeating: "é", count: 3000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    _ = try await console.send(
                        ClientOutbound(messageId: "m\(index)", to: "+237699000001", channel: .whatsapp, content: .text(long)))
                }
            }
            try await group.waitForAll()
        }
        let written = try lines(console.fileURL(for: .whatsapp))
        #expect(written.count == 64)
        let ids = try written.map { try JSONDecoder().decode(ConsoleMessenger.Line.self, from: Data($0.utf8)).id }
        #expect(Set(ids) == Set((0..<64).map { "m\($0)" }))
    }

    @Test func anUnwritableDirectoryIsATransientFailure() async throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("not a directory".utf8).write(to: root)
        let console = ConsoleMessenger(directory: root)
        let error = await sendError {
            _ = try await console.send(ClientOutbound(messageId: "m", to: "+237699000001", channel: .sms, content: .text("x")))
        }
        #expect(error?.isTransient == true)
        #expect(error?.description.hasPrefix("console : impossible d'ouvrir") == true)
    }
}
