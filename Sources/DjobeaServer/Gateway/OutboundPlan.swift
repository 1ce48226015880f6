import DjobeaDomain
import DjobeaGateway
import DjobeaStore
import Foundation

/// What the gateway does with one queued message: send it in a given form, or fail it with a reason.
enum OutboundPlan: Equatable {
    case send(ClientOutbound)
    case fail(reason: String)

    /// The rules of the outside world, in one place:
    /// - a client who answered STOP gets only essential messages;
    /// - a client without WhatsApp gets essential messages by SMS, and no other;
    /// - on WhatsApp, free text only inside the 24-hour window after the client last wrote; outside it, the row's
    ///   approved template, or `message_prestataire` carrying the text.
    static func make(_ row: GatewayOutboundRow, channels: Set<ClientChannel>) -> OutboundPlan {
        if row.optedOut && !row.essential { return .fail(reason: "Client désabonné (STOP) : message non essentiel non envoyé") }
        var channel = ClientChannel(rawValue: row.channel) ?? .whatsapp
        if channel == .whatsapp && row.noWhatsApp {
            guard row.essential else { return .fail(reason: "Client sans WhatsApp ; message non essentiel, pas d'envoi par SMS") }
            channel = .sms
        }
        guard channels.contains(channel) else {
            return .fail(
                reason: channel == .sms ? "Aucun pilote SMS configuré sur la passerelle" : "Aucun pilote WhatsApp configuré sur la passerelle")
        }
        if channel == .sms || row.windowOpen {
            return .send(ClientOutbound(messageId: row.id, to: row.clientPhone, channel: channel, content: .text(row.body)))
        }
        if let name = row.templateName, let template = WhatsAppTemplates.named(name), template.variables.count == row.templateParams.count {
            let call = TemplateCall(
                name: template.name, language: WhatsAppTemplates.language, parameters: row.templateParams,
                quickReplies: template.quickReplies.map(\.payload), text: row.body,
                document: template.documentFor(row.templateParams).map { DocumentAttachment(link: $0.link, filename: $0.filename) })
            return .send(ClientOutbound(messageId: row.id, to: row.clientPhone, channel: channel, content: .template(call)))
        }
        let generic = WhatsAppTemplates.providerMessage
        let parameters = [row.providerName, row.requestTitle ?? "votre demande", row.body]
        return .send(
            ClientOutbound(
                messageId: row.id, to: row.clientPhone, channel: channel,
                content: .template(
                    TemplateCall(name: generic.name, language: WhatsAppTemplates.language, parameters: parameters, text: generic.render(parameters))))
        )
    }
}
