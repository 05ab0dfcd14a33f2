import Foundation

/// The parsed name of a remote volume (§2):
/// `<prefix>-<yyyyMMdd>T<HHmmss>Z.dlist.<compression>[.<encryption>]`,
/// `<prefix>-b<guid>.dblock.…`, `<prefix>-i<guid>.dindex.…`.
///
/// Follows `VolumeBase.ParsedVolume` in its case-insensitive mode, with these deliberate
/// differences, all for names no Duplicati version writes:
/// - the character between the id and the type must be a literal `.` (the upstream regex has
///   an unescaped `.`);
/// - a dlist must carry a time and a dblock/dindex a GUID (upstream would accept a dlist with a
///   GUID and give it time 0);
/// - only ASCII digits count as digits.
///
/// As upstream, `b`/`i` need not match the type, the prefix is everything before the first
/// `-`, and the encryption part is everything after the compression part (it may hold dots).
/// Parity companions (`….par2`) are not volumes and yield nil.
package struct VolumeName: Sendable, Hashable {
    /// The three kinds of remote volume.
    package enum Kind: Sendable, Hashable {
        /// A fileset (one backup version): `manifest`, `filelist.json`, `fileset`.
        case dlist
        /// Block data, one entry per block.
        case dblock
        /// An index of one or more dblocks.
        case dindex
    }

    /// The name as listed.
    package let filename: String
    /// The backup's prefix (`duplicati` by default), as written.
    package let prefix: String
    /// What the volume holds.
    package let kind: Kind
    /// For a dlist, the backup's start time (UTC, whole seconds); nil otherwise.
    package let time: Date?
    /// For a dblock or dindex, the hex digits after `b`/`i`, as written; nil otherwise.
    package let guid: String?
    /// The compression module key, lowercased: `zip`, `7z`, `tgz`, `tzstd`, …
    package let compression: String
    /// The encryption module key, lowercased (`aes`, `gpg`), or nil when unencrypted.
    package let encryption: String?

    /// Extensions of parity companion files (`Par2Parity.FilenameExtension`).
    private static let paritySuffixes = ["par2"]

    /// Parses a remote file name.
    /// - Parameter filename: a name from the backend's listing, without any folder.
    /// - Returns: nil for anything that is not a volume: other files, parity companions,
    ///   `<prefix>-verification.json`, malformed times.
    package init?(_ filename: String) {
        let bytes = Array(filename.utf8)
        if let dot = bytes.lastIndex(of: UInt8(ascii: ".")) {
            let suffix = String(decoding: bytes[(dot + 1)...], as: UTF8.self).lowercased()
            if Self.paritySuffixes.contains(suffix) { return nil }
        }

        guard let dash = bytes.firstIndex(of: UInt8(ascii: "-")), dash > 0 else { return nil }
        let prefix = String(decoding: bytes[..<dash], as: UTF8.self)

        // The id runs to the next dot: neither hex digits nor a timestamp contain one.
        let idStart = dash + 1
        guard let idEnd = bytes[idStart...].firstIndex(of: UInt8(ascii: ".")), idEnd > idStart else {
            return nil
        }
        let id = bytes[idStart..<idEnd]

        // Then the type, the compression and the optional encryption.
        let rest = bytes[(idEnd + 1)...]
        guard let typeEnd = rest.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let typeName = String(decoding: rest[..<typeEnd], as: UTF8.self).lowercased()
        let kind: Kind
        switch typeName {
        case "dlist": kind = .dlist
        case "dblock": kind = .dblock
        case "dindex": kind = .dindex
        default: return nil
        }
        let modules = rest[(typeEnd + 1)...]
        let compressionEnd = modules.firstIndex(of: UInt8(ascii: ".")) ?? modules.endIndex
        let compression = modules[..<compressionEnd]
        guard !compression.isEmpty else { return nil }
        var encryption: String?
        if compressionEnd < modules.endIndex {
            let text = modules[(compressionEnd + 1)...]
            guard !text.isEmpty else { return nil }
            encryption = String(decoding: text, as: UTF8.self).lowercased()
        }

        switch kind {
        case .dlist:
            guard let seconds = SerializedDateTime.unixSeconds(
                from: String(decoding: id, as: UTF8.self)) else { return nil }
            time = Date(timeIntervalSince1970: TimeInterval(seconds))
            guid = nil
        case .dblock, .dindex:
            let marker = id[id.startIndex]
            guard [UInt8(ascii: "b"), UInt8(ascii: "i"), UInt8(ascii: "B"), UInt8(ascii: "I")].contains(marker),
                  id.count > 1, id.dropFirst().allSatisfy(Self.isHexDigit)
            else { return nil }
            time = nil
            guid = String(decoding: id.dropFirst(), as: UTF8.self)
        }
        self.filename = filename
        self.prefix = prefix
        self.kind = kind
        self.compression = String(decoding: compression, as: UTF8.self).lowercased()
        self.encryption = encryption
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }
}
