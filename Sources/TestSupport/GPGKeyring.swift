import Foundation

/// The gpg program as Duplicati's GPG module drives it (format §3.5), for fixtures: encrypting
/// volumes, and a throw-away keyring with one key pair for public-key backups.
package enum GPGKeyring {
    /// Whether gpg is installed.
    package static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gpg") }

    /// Encrypts a volume: symmetric with the passphrase (AES-256, as GnuPG 2.2 chooses), or to
    /// a recipient's public key. The passphrase goes through stdin (`--passphrase-fd 0`).
    /// - Parameters:
    ///   - plaintext: the volume's bytes.
    ///   - passphrase: the backup passphrase (symmetric only).
    ///   - recipient: a key of the keyring in `home`, or nil for symmetric.
    ///   - home: the GnuPG home (`--homedir`), or nil for gpg's default.
    /// - Returns: the OpenPGP message.
    /// - Throws: `FixtureError.io` (with gpg's exit status) when gpg fails.
    package static func encrypt(_ plaintext: [UInt8], passphrase: String, recipient: String?, home: String?) throws -> [UInt8] {
        var arguments = ["--batch", "--no-tty", "--yes"]
        if let home { arguments += ["--homedir", home] }
        if let recipient {
            arguments += ["--trust-model", "always", "--recipient", recipient, "--encrypt"]
        } else {
            arguments += ["--pinentry-mode", "loopback", "--passphrase-fd", "0", "--no-symkey-cache", "--symmetric"]
        }
        return try run(arguments, stdin: recipient == nil ? Array((passphrase + "\n").utf8) : [], input: plaintext)
    }

    /// Makes a GnuPG home with one RSA key pair whose secret key is protected by `passphrase`.
    /// - Parameters:
    ///   - home: a folder to create (mode 0700).
    ///   - passphrase: protects the secret key.
    /// - Returns: the key's user id, to pass as `recipient`.
    package static func makeKeyring(at home: String, passphrase: String) throws -> String {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let user = "dupfs fixture <fixture@dupfs.invalid>"
        _ = try run(
            ["--batch", "--no-tty", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase-fd", "0",
             "--quick-gen-key", user, "rsa2048", "encrypt", "never"],
            stdin: Array((passphrase + "\n").utf8), input: nil)
        return "fixture@dupfs.invalid"
    }

    /// Stops the gpg-agent gpg started for a home (tests end with it).
    package static func stopAgent(home: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gpgconf")
        process.arguments = ["--homedir", home, "--kill", "gpg-agent"]
        try? process.run()
        process.waitUntilExit()
    }

    /// Runs gpg with `input` as a file argument (when given), returns its stdout.
    private static func run(_ arguments: [String], stdin: [UInt8], input: [UInt8]?) throws -> [UInt8] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-gpg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var all = arguments
        if let input {
            let path = work.appendingPathComponent("in").path
            try PosixFS.writeFile(path, input)
            all += ["--output", "-", path]
        }
        let errors = work.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errors)
        defer { try? errorHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gpg")
        process.arguments = all
        let inPipe = Pipe()
        let outPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errorHandle
        try process.run()
        inPipe.fileHandleForWriting.write(Data(stdin))
        try? inPipe.fileHandleForWriting.close()
        let output = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError.io(path: "/usr/bin/gpg", operation: "gpg \(arguments.last ?? "")", errno: process.terminationStatus)
        }
        return [UInt8](output)
    }
}
