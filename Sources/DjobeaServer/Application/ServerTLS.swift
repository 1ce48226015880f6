import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import Logging
import NIOCore

/// A certificate chain and private key (PEM files) loaded and checked, ready to serve HTTPS.
///
/// Loading reads both files and builds the TLS context once, so that a missing file, a file that is not PEM, or a key
/// that does not match the certificate stops the node at startup with a French message rather than at the first
/// connection.
public struct ServerTLS: Sendable {
    public let certificatePath: String
    public let keyPath: String
    /// The server certificate's chain, leaf first.
    public let certificates: [NIOSSLCertificate]
    /// The server's TLS configuration (chain and key).
    let configuration: TLSConfiguration

    /// The server of `Application`: TLS offering HTTP/2 and HTTP/1.1 by ALPN.
    ///
    /// A phone on 3G pays a TCP and a TLS handshake for every connection; over HTTP/1.1 a browser opens six of them to
    /// fetch the app's files in parallel, over HTTP/2 it sends every request on one. Clients that do not offer `h2`
    /// (curl without it, some monitoring tools) get HTTP/1.1 with `http1`'s timeouts. An HTTP/2
    /// connection closes after `idleTimeout` without an open stream; each stream keeps `http1`'s timeout, which never
    /// cuts a response being written (a long SSE stream).
    ///
    /// Hummingbird ends an idle HTTP/2 connection politely (GOAWAY and a PING) and closes it only once the client
    /// answers the PING; a client that never answers (a phone gone off the network, or on purpose) would hold it for
    /// good. So any TLS connection with no byte read nor written for twice `idleTimeout` is closed: a live SSE stream
    /// writes a heartbeat far more often, and a request being uploaded reads.
    func server(_ http1: HTTP1Channel.Configuration, idleTimeout: Duration) -> HTTPServerBuilder {
        let configuration = self.configuration
        let http2 = HTTP2UpgradeChannel.Configuration(idleTimeout: idleTimeout, streamConfiguration: http1)
        return HTTPServerBuilder { responder in
            SilenceLimitedChannel(
                inner: try HTTP2UpgradeChannel(tlsConfiguration: configuration, configuration: http2, responder: responder),
                silence: TimeAmount(idleTimeout * 2))
        }
    }

    /// Loads `certificatePath` (one or more PEM certificates, leaf first) and `keyPath` (a PEM private key).
    ///
    /// - Throws: `ServerTLSError`, whose description is the French line to show the operator.
    public static func load(certificatePath: String, keyPath: String) throws -> ServerTLS {
        let certificatePEM = try read(certificatePath, what: "certificat TLS (--tls-cert)")
        let keyPEM = try read(keyPath, what: "clé privée TLS (--tls-key)")
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(certificatePEM)
        } catch {
            throw ServerTLSError("Certificat TLS illisible dans \(certificatePath) : un fichier PEM (-----BEGIN CERTIFICATE-----) est attendu.")
        }
        guard !certificates.isEmpty else {
            throw ServerTLSError("Certificat TLS illisible dans \(certificatePath) : aucun bloc -----BEGIN CERTIFICATE----- trouvé.")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
        } catch {
            throw ServerTLSError(
                "Clé privée TLS illisible dans \(keyPath) : un fichier PEM non chiffré (-----BEGIN PRIVATE KEY-----) est attendu.")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            // Builds the TLS context now (as the server will for its first connection): a key that does not go with the
            // certificate fails here.
            _ = try TLSChannel(HTTP1Channel(responder: { _, _, _ in }), tlsConfiguration: configuration)
        } catch {
            throw ServerTLSError(
                "Certificat \(certificatePath) et clé \(keyPath) refusés ensemble (la clé correspond-elle au certificat ?) — détail : \(error)")
        }
        return ServerTLS(
            certificatePath: certificatePath, keyPath: keyPath, certificates: certificates, configuration: configuration)
    }

    private static func read(_ path: String, what: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw ServerTLSError("Fichier de \(what) introuvable : \(path)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ServerTLSError("Fichier de \(what) illisible : \(path)") }
        return Array(data)
    }
}

/// A server connection closed once nothing has been read from it nor written to it for `silence` (counted on the raw
/// socket, below TLS), whatever the protocol inside does about idleness.
struct SilenceLimitedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let silence: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let silence = self.silence
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([IdleStateHandler(allTimeout: silence), CloseWhenSilent()], position: .first)
        }.flatMap { self.inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes the connection on the `IdleStateHandler` just before it; the event goes no further (the HTTP/1.1 handler
/// has its own idle rule).
final class CloseWhenSilent: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Why the certificate or key could not be used; `description` is in French, for the operator.
public struct ServerTLSError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
