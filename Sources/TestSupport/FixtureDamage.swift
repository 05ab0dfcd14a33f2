import ByteSource
import Foundation
import Zip

/// Ways to damage a written backup, for tests of a reader's error handling.
package enum FixtureDamage {
    /// Deletes a remote file.
    /// - Parameters:
    ///   - name: the volume's file name.
    ///   - directory: the backup folder.
    /// - Throws: `FixtureError.noSuchVolume` if it doesn't exist.
    package static func deleteVolume(_ name: String, in directory: URL) throws {
        let path = try existing(name, in: directory)
        try PosixFS.removeFile(path)
    }

    /// Cuts a remote file to `size` bytes (or, with a negative size, drops that many from the end).
    /// - Parameters:
    ///   - name: the volume's file name.
    ///   - directory: the backup folder.
    ///   - size: the new length; negative counts back from the current length.
    /// - Throws: `FixtureError.noSuchVolume` if it doesn't exist.
    package static func truncate(_ name: String, in directory: URL, to size: Int64) throws {
        let path = try existing(name, in: directory)
        var length = size
        if size < 0 {
            length = max(0, Int64(try PosixFS.readFile(path).count) + size)
        }
        try PosixFS.truncateFile(path, to: length)
    }

    /// Inverts the bits of one byte of a remote file.
    /// - Parameters:
    ///   - name: the volume's file name.
    ///   - directory: the backup folder.
    ///   - offset: the byte to flip; nil means the middle of the file. Negative counts back
    ///     from the end.
    ///   - mask: the bits to flip (all by default).
    /// - Throws: `FixtureError.noSuchVolume` if it doesn't exist, `.invalidOptions` if the
    ///   offset is outside the file.
    package static func flipByte(_ name: String, in directory: URL, at offset: Int? = nil, mask: UInt8 = 0xFF) throws {
        let path = try existing(name, in: directory)
        var bytes = try PosixFS.readFile(path)
        let position = offset.map { $0 < 0 ? bytes.count + $0 : $0 } ?? bytes.count / 2
        guard bytes.indices.contains(position) else {
            throw FixtureError.invalidOptions("offset \(offset ?? 0) outside \(name) (\(bytes.count) bytes)")
        }
        bytes[position] ^= mask
        try PosixFS.writeFile(path, bytes)
    }

    /// Replaces a remote file's bytes, e.g. with a stale or foreign copy.
    /// - Parameters:
    ///   - name: the volume's file name (created if missing).
    ///   - directory: the backup folder.
    ///   - bytes: the new content.
    package static func replaceVolume(_ name: String, in directory: URL, with bytes: [UInt8]) throws {
        try PosixFS.writeFile(directory.appendingPathComponent(name).path, bytes)
    }

    /// Rewrites an unencrypted zip volume so that every entry declares another compression
    /// method (the bytes stay as they decode now, stored): a volume in a method no reader here
    /// writes, such as XZ (95).
    /// - Parameters:
    ///   - name: the volume's file name (a plain `.zip`).
    ///   - directory: the backup folder.
    ///   - method: the method number to declare.
    /// How ``damageEntryData(_:in:how:)`` spoils an entry's compressed data.
    package enum EntryDamage: Sendable {
        /// One byte in the middle of the data inverted.
        case flipMiddleByte
        /// The second half of the data gone (the entry's declared sizes unchanged).
        case cutInHalf
    }

    /// Rewrites an unencrypted zip volume with the compressed data of every entry but the
    /// manifest damaged, keeping method, CRC and declared size: the zip itself stays readable,
    /// each block's data does not decode (or not to its bytes).
    /// - Parameters:
    ///   - name: the volume's file name (a plain `.zip`).
    ///   - directory: the backup folder.
    ///   - how: the damage.
    package static func damageEntryData(_ name: String, in directory: URL, how: EntryDamage) throws {
        let path = try existing(name, in: directory)
        let volume = try PosixFS.readFile(path)
        let archive = try ZipArchive(source: ByteArraySource(volume))
        var writer = ZipWriter()
        for entry in archive.entries {
            let range = try archive.dataRange(of: entry)
            var data = Array(volume[Int(range.lowerBound)..<Int(range.upperBound)])
            if entry.name != "manifest" && !data.isEmpty {
                switch how {
                case .flipMiddleByte: data[data.count / 2] ^= 0xFF
                case .cutInHalf: data.removeLast(data.count / 2)
                }
            }
            writer.addRaw(
                name: Array(entry.name.utf8), data: data, method: entry.method, crc32: entry.crc32,
                uncompressedSize: entry.uncompressedSize)
        }
        try PosixFS.writeFile(path, writer.finish())
    }

    package static func relabelEntries(_ name: String, in directory: URL, method: UInt16) throws {
        let path = try existing(name, in: directory)
        let archive = try ZipArchive(source: ByteArraySource(try PosixFS.readFile(path)))
        var writer = ZipWriter()
        for entry in archive.entries {
            let bytes = try archive.read(entry, limit: 1 << 30)
            writer.addRaw(
                name: Array(entry.name.utf8), data: bytes, method: method, crc32: entry.crc32,
                uncompressedSize: Int64(bytes.count))
        }
        try PosixFS.writeFile(path, writer.finish())
    }

    /// Reads a remote file's bytes.
    /// - Parameters:
    ///   - name: the volume's file name.
    ///   - directory: the backup folder.
    /// - Returns: the file's bytes as stored (encrypted if the backup is).
    package static func readVolume(_ name: String, in directory: URL) throws -> [UInt8] {
        try PosixFS.readFile(try existing(name, in: directory))
    }

    /// The names in a backup folder, sorted by UTF-8 bytes.
    /// - Parameter directory: the backup folder.
    package static func volumeNames(in directory: URL) throws -> [String] {
        try PosixFS.list(directory.path).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private static func existing(_ name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard PosixFS.exists(path) else { throw FixtureError.noSuchVolume(name) }
        return path
    }
}
