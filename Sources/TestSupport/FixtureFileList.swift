import ByteSource
import Foundation
import Zip

/// Rewrites the `filelist.json` of a dlist the fixture writer made, to build hostile file lists
/// out of a real backup (an absurd size, a lone surrogate escape, a truncated list).
package enum FixtureFileList {
    /// The `filelist.json` of an unencrypted dlist, as text.
    /// - Parameters:
    ///   - dlist: the dlist's file name.
    ///   - directory: the backup folder.
    package static func text(_ dlist: String, in directory: URL) throws -> String {
        let archive = try ZipArchive(source: ByteArraySource(try FixtureDamage.readVolume(dlist, in: directory)))
        guard let entry = archive.entry(named: "filelist.json") else { throw FixtureError.noSuchVolume("\(dlist)/filelist.json") }
        return String(decoding: try archive.read(entry, limit: 1 << 30), as: UTF8.self)
    }

    /// Replaces the `filelist.json` of an unencrypted dlist with what `edit` makes of its text;
    /// the manifest and fileset stay as they were.
    /// - Parameters:
    ///   - dlist: the dlist's file name.
    ///   - directory: the backup folder.
    ///   - edit: the new text from the old.
    package static func edit(_ dlist: String, in directory: URL, _ edit: (String) throws -> String) throws {
        try replace(dlist, in: directory, with: Array(try edit(text(dlist, in: directory)).utf8))
    }

    /// Replaces the `filelist.json` of an unencrypted dlist with these bytes.
    /// - Parameters:
    ///   - dlist: the dlist's file name.
    ///   - directory: the backup folder.
    ///   - bytes: the new `filelist.json`, any bytes at all.
    package static func replace(_ dlist: String, in directory: URL, with bytes: [UInt8]) throws {
        let archive = try ZipArchive(source: ByteArraySource(try FixtureDamage.readVolume(dlist, in: directory)))
        var writer = ZipWriter()
        for entry in archive.entries {
            writer.add(entry.name, entry.name == "filelist.json" ? bytes : try archive.read(entry, limit: 1 << 30))
        }
        try FixtureDamage.replaceVolume(dlist, in: directory, with: writer.finish())
    }
}
