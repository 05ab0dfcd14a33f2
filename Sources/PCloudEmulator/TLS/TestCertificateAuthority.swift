import Crypto
import Foundation
import X509

/// The emulator's throw-away test CA and its loopback server certificate (P-256), kept as PEM files
/// in one folder: `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`. Files already there are reused.
///
/// The server certificate names `IP:127.0.0.1`, `IP:::1` and `DNS:localhost`, so clients may dial
/// any of them with the CA as their only trust anchor.
package struct TestCertificateAuthority: Sendable {
    /// The folder holding the PEM files.
    package let directory: URL

    /// `ca.pem`: hand this to clients (`curl --cacert`, `SSL_CERT_FILE`, `CURLOPT_CAINFO`).
    package var caCertificateURL: URL { directory.appendingPathComponent("ca.pem") }
    /// `server.pem`: the leaf certificate the listener presents.
    package var serverCertificateURL: URL { directory.appendingPathComponent("server.pem") }
    /// `server-key.pem`: the leaf's private key.
    package var serverKeyURL: URL { directory.appendingPathComponent("server-key.pem") }
    private var caKeyURL: URL { directory.appendingPathComponent("ca-key.pem") }

    /// Loads the CA and server certificate from `directory`, making whichever are missing.
    /// - Throws: When files cannot be written or existing ones cannot be parsed.
    package init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fm = FileManager.default
        let haveCA = fm.fileExists(atPath: caCertificateURL.path) && fm.fileExists(atPath: caKeyURL.path)
        let haveServer = fm.fileExists(atPath: serverCertificateURL.path) && fm.fileExists(atPath: serverKeyURL.path)
        if haveCA && haveServer { return }

        let caKey: P256.Signing.PrivateKey
        let caCertificate: Certificate
        if haveCA {
            caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: caKeyURL, encoding: .utf8))
            caCertificate = try Certificate(pemEncoded: String(contentsOf: caCertificateURL, encoding: .utf8))
        } else {
            caKey = P256.Signing.PrivateKey()
            caCertificate = try Self.makeCA(key: caKey)
            try Self.write(caKey.pemRepresentation, to: caKeyURL)
            try Self.write(caCertificate.serializeAsPEM().pemString, to: caCertificateURL)
        }
        let serverKey = P256.Signing.PrivateKey()
        let server = try Self.makeServerCertificate(key: serverKey, issuer: caCertificate, issuerKey: caKey)
        try Self.write(serverKey.pemRepresentation, to: serverKeyURL)
        try Self.write(server.serializeAsPEM().pemString, to: serverCertificateURL)
    }

    private static func makeCA(key: P256.Signing.PrivateKey) throws -> Certificate {
        let name = try DistinguishedName {
            OrganizationName("dupfs pCloud emulator")
            CommonName("dupfs pCloud emulator test CA")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    private static func makeServerCertificate(
        key: P256.Signing.PrivateKey, issuer: Certificate, issuerKey: P256.Signing.PrivateKey
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName("dupfs pCloud emulator")
            CommonName("localhost")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let issuerPublicKey = Certificate.PublicKey(issuerKey.publicKey)
        let now = Date()
        var ipv6Loopback = [UInt8](repeating: 0, count: 16)
        ipv6Loopback[15] = 1
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(5 * 365 * 86_400),
            issuer: issuer.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: issuerPublicKey).keyIdentifier)
                SubjectAlternativeNames([
                    .ipAddress(.init(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(.init(contentBytes: ipv6Loopback[...])),
                    .dnsName("localhost"),
                ])
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }

    private static func write(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try Data(text.utf8).write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }
}
