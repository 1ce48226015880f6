import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS

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

    /// The server of `Application`: HTTP/1.1 (with `http1`'s timeouts) inside TLS.
    func server(_ http1: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        let configuration = self.configuration
        return HTTPServerBuilder { responder in
            try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: configuration)
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

/// Why the certificate or key could not be used; `description` is in French, for the operator.
public struct ServerTLSError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
