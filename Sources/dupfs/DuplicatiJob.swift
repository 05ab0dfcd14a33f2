import AESCrypt
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What dupfs takes from a Duplicati job export (Export > To file, or `duplicati-server-util
/// export`): the location, the passphrase, the prefix and whether the backup is encrypted.
///
/// The file is JSON (`{"Backup": {"TargetURL": ..., "Settings": [{"Name", "Value"}, ...]}}`), or
/// that JSON encrypted whole as an AES Crypt file (stream format 2, or 3) when it starts with
/// `AES`. Keys are matched case-insensitively, as Duplicati's importer does. Settings apply as
/// Duplicati applies them: plain names first, then `--name` ones, which win.
struct DuplicatiJob {
    /// `Backup.TargetURL`, with its query (`?authid=` for pCloud).
    let targetURL: String
    /// The backup passphrase, when the export holds passwords.
    let passphrase: String?
    /// The volume file name prefix, when set.
    let prefix: String?
    /// Whether the job has no encryption (`--no-encryption`, or an empty `encryption-module`).
    let noEncryption: Bool

    /// Why a job file cannot be used; the exit status is part of it.
    struct Problem: Error {
        let message: String
        let status: ExitStatus
    }

    /// Reads, decrypts if needed, and parses the export at `path`.
    /// - Throws: ``Problem``: unreadable file (64), wrong or missing export password (77), not a
    ///   job export (64).
    static func load(path: String) throws(Problem) -> DuplicatiJob {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(message: "cannot read the Duplicati job file \(path)", status: .usage)
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: Array("AES".utf8)) {
            bytes = try decrypt(bytes, path: path)
        }
        return try parse(bytes, path: path)
    }

    private static func decrypt(_ bytes: [UInt8], path: String) throws(Problem) -> [UInt8] {
        var password = EnvironmentSecrets.configPassphrase
        if password == nil, let value = ProcessInfo.processInfo.environment["DUPFS_CONFIG_PASSPHRASE"] {
            // Only when re-executing failed: at least no child process inherits it.
            unsetenv("DUPFS_CONFIG_PASSPHRASE")
            password = value
        }
        if password == nil, isatty(STDIN_FILENO) == 1 {
            password = PassphrasePrompt.read("Password of the encrypted job export \(path): ")
        }
        guard let password, !password.isEmpty else {
            throw Problem(
                message: "the Duplicati job file \(path) is encrypted: give its export password in DUPFS_CONFIG_PASSPHRASE "
                    + "(or type it at the prompt on a terminal)",
                status: .wrongPassphrase)
        }
        do {
            return try AESCrypt.decrypt(bytes, passphrase: password)
        } catch .wrongPassphrase {
            throw Problem(message: "wrong export password for the Duplicati job file \(path)", status: .wrongPassphrase)
        } catch {
            throw Problem(message: "the encrypted Duplicati job file \(path) is damaged (\(error))", status: .usage)
        }
    }

    /// Parses the JSON of an export.
    static func parse(_ input: [UInt8], path: String) throws(Problem) -> DuplicatiJob {
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        func refuse(_ why: String) -> Problem {
            Problem(message: "\(path) is not a Duplicati job export: \(why)", status: .usage)
        }
        guard let top = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw refuse("not a JSON object")
        }
        guard let backup = value(top, "Backup") as? [String: Any] else { throw refuse("no \"Backup\" object") }
        guard let target = value(backup, "TargetURL") as? String, !target.isEmpty else {
            throw refuse("no \"Backup.TargetURL\"")
        }
        var plain: [String: String] = [:]
        var advanced: [String: String] = [:]
        for setting in value(backup, "Settings") as? [[String: Any]] ?? [] {
            guard let name = value(setting, "Name") as? String else { continue }
            let text = value(setting, "Value") as? String ?? ""
            if name.hasPrefix("--") {
                advanced[String(name.dropFirst(2)).lowercased()] = text
            } else {
                plain[name.lowercased()] = text
            }
        }
        let settings = plain.merging(advanced) { _, advancedValue in advancedValue }
        let encryptionModule = settings["encryption-module"]
        let noEncryption = ["true", "1", "yes", "on"].contains(settings["no-encryption"]?.lowercased() ?? "")
            || encryptionModule == ""
        let passphrase = settings["passphrase"].flatMap { $0.isEmpty ? nil : $0 }
        let prefix = settings["prefix"].flatMap { $0.isEmpty ? nil : $0 }
        return DuplicatiJob(targetURL: target, passphrase: passphrase, prefix: prefix, noEncryption: noEncryption)
    }

    /// `object[key]`, the key matched case-insensitively.
    private static func value(_ object: [String: Any], _ key: String) -> Any? {
        if let exact = object[key] { return exact }
        let lowered = key.lowercased()
        return object.first { $0.key.lowercased() == lowered }?.value
    }
}
