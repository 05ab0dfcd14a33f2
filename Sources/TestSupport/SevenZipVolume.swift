import Foundation
import Zip

/// A `.7z` volume as Duplicati ≤ 2.0.9.108 could write (format §4.2), for tests that a reader
/// names 7z instead of calling it damage. The archive is a real, empty 7z archive (signature
/// header with no next header): no reader of this project decodes 7z, so its entries would
/// never be looked at.
package enum SevenZipVolume {
    /// Writes a stray empty 7z dblock (encrypted like the backup) into a backup folder: nothing
    /// refers to it. For whole 7z versions, write them with `FixtureOptions.container`.
    /// - Parameters:
    ///   - directory: the backup folder.
    ///   - options: the backup's options (prefix and encryption).
    ///   - guid: the hex GUID of the name.
    /// - Returns: the file name written, `<prefix>-b<guid>.dblock.7z[.aes]`.
    @discardableResult
    package static func writeDblock(in directory: URL, options: FixtureOptions, guid: String = "7a" + String(repeating: "0", count: 30)) throws -> String {
        let name = "\(options.prefix)-b\(guid).dblock.7z\(options.encryption.suffix)"
        var sevenZip = options
        sevenZip.container = .sevenZip
        let writer = try FixtureBackupWriter(directory: directory, options: sevenZip)
        _ = try writer.upload(name, [])
        return name
    }

    /// An empty 7z archive: signature, version 0.4, start header CRC, then next-header offset,
    /// size and CRC all zero.
    static func emptyArchive() -> [UInt8] {
        let startHeader = [UInt8](repeating: 0, count: 20)
        let crc = startHeader.withUnsafeBytes { CRC32.checksum($0) }
        return [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4]
            + (0..<4).map { UInt8(truncatingIfNeeded: crc >> ($0 * 8)) } + startHeader
    }
}
