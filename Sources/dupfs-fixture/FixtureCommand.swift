import ArgumentParser
import Foundation
import TestSupport

/// `dupfs-fixture`: writes Duplicati-format sample backups for tests and demos.
@main
struct FixtureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupfs-fixture",
        abstract: "Write Duplicati 2.x sample backups for tests and demos.",
        subcommands: [SampleCommand.self, HistorySampleCommand.self])
}

/// `dupfs-fixture sample OUTDIR`: the three-version sample backup plus each version's tree.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write the three-version sample backup and its source trees.",
        discussion: """
            Writes OUTDIR/backup (the remote folder, as it would be on the storage) and \
            OUTDIR/source/v1, v2, v3: each version's tree as a restore must produce it, oldest \
            first (Duplicati numbers them 2, 1, 0). When encrypting without --passphrase-file \
            the passphrase is "\(SampleCommand.defaultPassphrase)".
            """)

    /// The passphrase used when encrypting without `--passphrase-file`.
    static let defaultPassphrase = "dupfs-sample"

    enum Encryption: String, ExpressibleByArgument, CaseIterable {
        case none, aes2, aes3, gpg
    }

    enum Container: String, ExpressibleByArgument, CaseIterable {
        case zip, tgz, tzstd
        case sevenZip = "7z"
    }

    enum ZipMethodName: String, ExpressibleByArgument, CaseIterable {
        case deflate, stored, bzip2, lzma, zstandard, ppmd
    }

    enum AESHeader: String, ExpressibleByArgument, CaseIterable {
        case dated, createdBy = "created-by", minimal
    }

    enum IndexPolicy: String, ExpressibleByArgument, CaseIterable {
        case full, lookup, none
    }

    @Argument(help: "The folder to create (backup/ and source/ go inside).")
    var outdir: String

    @Option(help: "Volume encryption: none, aes2 (AES Crypt v2, Duplicati's default), aes3 or gpg (symmetric, through the gpg program).")
    var encryption: Encryption = .none

    @Option(help: "AES Crypt header extensions: dated (2.x, the default), created-by (SharpAESCrypt 1.3) or minimal (--aes-minimal-header).")
    var aesHeader: AESHeader = .dated

    @Option(help: "Volume container: zip (the default), tgz, tzstd, or 7z (empty stand-ins dupfs names as unreadable).")
    var container: Container = .zip

    @Option(help: "Zip entry method: deflate (.NET's: stored when not compressible), stored, bzip2, lzma, zstandard or ppmd (SharpCompress's: one method for every entry).")
    var zipMethod: ZipMethodName = .deflate

    @Flag(help: "Write a .par2 parity companion beside every dblock and dlist.")
    var parity = false

    @Option(help: "A file whose first line is the passphrase (default \"dupfs-sample\").")
    var passphraseFile: String?

    @Option(help: "Block size in bytes (at least 1024).")
    var blocksize = 1024

    @Option(help: "dblock size limit in bytes.")
    var volumeSize = 64 << 10

    @Option(help: "Index files: full, lookup or none.")
    var index: IndexPolicy = .full

    func validate() throws {
        guard blocksize >= 1024 else { throw ValidationError("--blocksize must be at least 1024") }
        guard volumeSize > blocksize else { throw ValidationError("--volume-size must exceed --blocksize") }
    }

    func run() throws {
        var options = SampleBackup.defaultOptions
        options.blocksize = blocksize
        options.volumeSize = volumeSize
        options.indexPolicy = switch index {
        case .full: .full
        case .lookup: .lookup
        case .none: .none
        }
        let passphrase = try readPassphrase()
        switch encryption {
        case .none: options.encryption = .none
        case .aes2: options.encryption = .aes(.v2, passphrase: passphrase)
        case .aes3: options.encryption = .aes(.v3, passphrase: passphrase)
        case .gpg: options.encryption = .gpg(passphrase: passphrase)
        }
        options.aesHeader = switch aesHeader {
        case .dated: .dated
        case .createdBy: .createdByOnly
        case .minimal: .minimal
        }
        options.container = switch container {
        case .zip: .zip
        case .tgz: .tgz
        case .tzstd: .tzstd
        case .sevenZip: .sevenZip
        }
        options.compressionMethod = switch zipMethod {
        case .deflate: .deflate
        case .stored: .stored
        case .bzip2: .bzip2
        case .lzma: .lzma
        case .zstandard: .zstandard
        case .ppmd: .ppmd
        }
        options.parity = parity

        let out = URL(fileURLWithPath: outdir)
        let backup = out.appendingPathComponent("backup")
        let dlists = try SampleBackup.write(to: backup, options: options)
        let names = try FixtureDamage.volumeNames(in: backup)
        print("backup: \(backup.path) (\(names.count) files, blocksize \(blocksize), encryption \(encryption.rawValue), container \(container.rawValue), zip method \(zipMethod.rawValue), index \(index.rawValue))")
        for name in names { print("  \(name)") }
        if encryption != .none && passphraseFile == nil {
            print("passphrase: \(passphrase)")
        }
        let trees = SampleBackup.versions(blocksize: blocksize, hashSize: options.blockHash.digestSize)
        for (number, tree) in trees.enumerated() {
            let source = out.appendingPathComponent("source/v\(number + 1)")
            try materialize(tree, into: source)
            print("source v\(number + 1): \(source.path) (\(tree.count) entries, dlist \(dlists[number]))")
        }
    }

    private func readPassphrase() throws -> String {
        guard let passphraseFile else { return Self.defaultPassphrase }
        let text = try String(contentsOfFile: passphraseFile, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !trimmed.isEmpty else { throw ValidationError("the passphrase file is empty") }
        return trimmed
    }
}

/// `dupfs-fixture history OUTDIR`: the five-version backup where paths change in every way
/// (for `dupfs find`, `dupfs history` and `mount --history`).
struct HistorySampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Write the five-version backup whose paths are edited, deleted, re-added and change type.",
        discussion: """
            Writes OUTDIR/backup (unencrypted) and OUTDIR/source/v1 ... v5: each version's tree, \
            oldest first (Duplicati numbers them 4 down to 0), backed up 2024-05-01 to 2024-05-05 \
            at 08:00:00Z.
            """)

    @Argument(help: "The folder to create (backup/ and source/ go inside).")
    var outdir: String

    func run() throws {
        let root = URL(fileURLWithPath: outdir)
        try HistoryFixture.write(to: root.appendingPathComponent("backup"))
        for (index, tree) in HistoryFixture.versions().enumerated() {
            try materialize(tree, into: root.appendingPathComponent("source/v\(index + 1)"))
        }
        print("wrote \(root.appendingPathComponent("backup").path) (5 versions) and source/v1 ... v5")
    }
}
