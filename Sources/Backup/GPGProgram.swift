import Foundation

/// The `gpg` program, which decrypts GPG volumes (format §3.5): symmetric messages with the
/// backup passphrase, public-key messages with a secret key of the keyring (`GNUPGHOME`, or
/// the home given here) that the passphrase unlocks. Each volume is decrypted whole: OpenPGP
/// messages cannot be read by range.
///
/// The passphrase goes to gpg through a file descriptor (its stdin, `--passphrase-fd 0`), never
/// in its arguments or environment, and gpg is told not to cache it (`--no-symkey-cache`).
/// The ciphertext is handed over as a temporary file (it is encrypted), the plaintext read from
/// gpg's stdout, and its machine-readable status (`--status-fd 2`) tells a wrong passphrase, a
/// missing secret key and damage apart.
struct GPGProgram: Sendable {
    /// The executable.
    let path: String
    /// `--homedir`, or nil for gpg's own choice (`GNUPGHOME`, else `~/.gnupg`).
    let home: String?

    /// gpg on `PATH`, or nil when it is not installed.
    static func find(home: String?) -> GPGProgram? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories + ["/usr/bin"] {
            let candidate = "\(directory)/gpg"
            if FileManager.default.isExecutableFile(atPath: candidate) { return GPGProgram(path: candidate, home: home) }
        }
        return nil
    }

    /// Decrypts a whole volume.
    /// - Parameters:
    ///   - ciphertext: the volume as stored (binary or ASCII-armoured OpenPGP).
    ///   - passphrase: the backup passphrase.
    ///   - volume: the volume's name, for errors.
    /// - Returns: the plaintext.
    /// - Throws: ``BackupError/wrongPassphrase``; ``BackupError/damagedVolume(name:reason:)`` for a
    ///   message gpg cannot decrypt (damage, or no secret key for it: the reason says which);
    ///   ``BackupError/local(_:)`` when gpg cannot be run.
    func decrypt(_ ciphertext: [UInt8], passphrase: String, volume: String) throws -> [UInt8] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-gpg-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BackupError.local("cannot make a temporary folder for gpg: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("volume.gpg")
        let status = work.appendingPathComponent("status")
        guard FileManager.default.createFile(atPath: input.path, contents: Data(ciphertext)),
              FileManager.default.createFile(atPath: status.path, contents: nil),
              let statusHandle = try? FileHandle(forWritingTo: status)
        else { throw BackupError.local("cannot write a temporary file for gpg in \(work.path)") }
        defer { try? statusHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        var arguments = ["--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--no-symkey-cache",
                         "--status-fd", "2", "--decrypt", "--output", "-", input.path]
        if let home { arguments.insert(contentsOf: ["--homedir", home], at: 0) }
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = statusHandle
        do {
            try process.run()
        } catch {
            throw BackupError.local("cannot run \(path): \(error)")
        }
        // One line: far less than a pipe holds, so this never waits for gpg.
        stdin.fileHandleForWriting.write(Data((passphrase + "\n").utf8))
        try? stdin.fileHandleForWriting.close()
        let plaintext = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = ((try? String(contentsOf: status, encoding: .utf8)) ?? "").split(separator: "\n")
        let statusWords = lines.filter { $0.hasPrefix("[GNUPG:] ") }.map { $0.dropFirst(9).split(separator: " ") }
        func has(_ keyword: String) -> Bool { statusWords.contains { $0.first.map(String.init) == keyword } }

        if process.terminationStatus == 0, has("DECRYPTION_OKAY"), !has("BADMDC"), !has("DECRYPTION_FAILED") {
            return [UInt8](plaintext)
        }
        // gpg's error codes carry their source in the high bits; 11 is GPG_ERR_BAD_PASSPHRASE.
        let badPassphrase = statusWords.contains { words in
            words.first == "ERROR" && words.count >= 3
                && (words[2].hasSuffix("BAD_PASSPHRASE") || (Int(words[2]).map { $0 & 0xFFFF == 11 } ?? false))
        }
        if badPassphrase { throw BackupError.wrongPassphrase }
        if let missing = statusWords.first(where: { $0.first == "NO_SECKEY" }), missing.count > 1 {
            let keyring = home ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? "~/.gnupg"
            throw BackupError.damagedVolume(
                name: volume, reason: "encrypted to GPG key \(missing[1]), whose secret key is not in the keyring \(keyring)")
        }
        if has("BADMDC") {
            throw BackupError.damagedVolume(name: volume, reason: "GPG: the encrypted data was modified or damaged (bad MDC)")
        }
        let said = lines.filter { $0.hasPrefix("gpg: ") }.suffix(2).joined(separator: "; ")
        throw BackupError.damagedVolume(
            name: volume, reason: "GPG decryption failed (gpg exit \(process.terminationStatus)\(said.isEmpty ? "" : ": \(said)"))")
    }
}
