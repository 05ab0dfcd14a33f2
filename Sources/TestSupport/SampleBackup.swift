import Foundation

/// The standard three-version sample backup used by tests and the README demo: a tree under
/// `/data/sample` that exercises block boundaries, blocklists, deduplication, changes between
/// versions, odd names, symlinks, modes and sub-second mtimes.
///
/// Content is generated from fixed seeds, so every call returns the same bytes.
package enum SampleBackup {
    /// The source root, as stored.
    package static let root = "/data/sample"

    /// The backup times of the three versions, oldest first: 2024-01-01, 2024-02-01 and
    /// 2024-03-01, each at 10:00:00Z.
    package static let times: [Date] = [
        Date(timeIntervalSince1970: 1_704_103_200),
        Date(timeIntervalSince1970: 1_706_781_600),
        Date(timeIntervalSince1970: 1_709_287_200),
    ]

    /// Options for a small fixture: 1 KiB blocks (32 SHA-256 hashes per blocklist), 64 KiB
    /// dblocks so the sample spans several volumes, no encryption.
    package static var defaultOptions: FixtureOptions {
        FixtureOptions(blocksize: 1024, volumeSize: 64 << 10)
    }

    /// The three versions' trees, oldest first.
    ///
    /// Sizes follow the block size `B` and `hpb = B / hashSize`: empty files, exactly `B`,
    /// `B ± 1`, exactly `hpb` blocks, `2·hpb + 5` blocks plus a tail (three blocklists), a file
    /// of ten identical blocks. When `hpb` blocks would exceed 4 MiB (large block sizes) those
    /// two files shrink to 4 and 9 blocks.
    ///
    /// Between versions: v2 appends to `README.txt`, changes one block of `big.bin`, deletes
    /// `block-minus-one.bin`, adds `docs/added-in-v2.txt`, and changes only the mtime of
    /// `mtime-only.txt` and only the mode of `secret.txt`. v3 deletes `dup-a.bin`, grows
    /// `hpb-blocks.bin` by one byte, turns the file `morph` into a folder, adds `new-dir/`,
    /// and retargets `link-dangling`.
    ///
    /// Three entries carry `user.*` extended attributes in every version: the folder `docs`
    /// (`user.comment`), `empty.txt` (`user.empty`, an empty value) and `media/photo.jpg`
    /// (`user.mime_type`, and `user.binary` with NUL and high bytes).
    /// - Parameters:
    ///   - blocksize: the block size the backup will use.
    ///   - hashSize: the block hash's digest size in bytes.
    /// - Returns: three lists of entries.
    package static func versions(blocksize: Int = 1024, hashSize: Int = 32) -> [[FixtureEntry]] {
        let b = blocksize
        let hpb = max(1, blocksize / max(1, hashSize))
        let fullBlocklist = hpb * b <= 4 << 20 ? hpb : 4
        let multiBlocklist = hpb * b <= 4 << 20 ? 2 * hpb + 5 : 9

        var tree = SampleTree(base: Int64(times[0].timeIntervalSince1970) - 40 * 86_400)
        tree.folder("", mode: 0o755)
        tree.folder("docs", xattrs: [("user.comment", Array("notes and docs".utf8))])
        tree.folder("docs/notes", mode: 0o700)
        tree.folder("docs/notes/deep")
        tree.folder("empty-dir")
        tree.folder("media")
        tree.folder("dir with spaces")

        tree.file("README.txt", text(lines: 3 * b / 60 + 4, seed: "readme"))
        tree.file("empty.txt", [], xattrs: [("user.empty", [])])
        tree.file("docs/empty-too.txt", [])
        tree.file("one-block.bin", random(b, "one-block"))
        tree.file("block-minus-one.bin", random(b - 1, "block-minus-one"))
        tree.file("block-plus-one.bin", random(b + 1, "block-plus-one"))
        tree.file("hpb-blocks.bin", random(fullBlocklist * b, "hpb-blocks"))
        tree.file("big.bin", random(multiBlocklist * b + 17, "big"))
        tree.file("zeros.bin", [UInt8](repeating: 0, count: 10 * b))
        let duplicate = random(3 * b + 5, "duplicate")
        tree.file("dup-a.bin", duplicate)
        tree.file("docs/dup-b.bin", duplicate)
        tree.file(
            "media/photo.jpg", random(2 * b + 3, "photo"),
            xattrs: [("user.mime_type", Array("image/jpeg".utf8)), ("user.binary", [0x00, 0xFF, 0x80, 0x0A, 0x00, 0x7F])])
        tree.file("secret.txt", Array("top secret\n".utf8), mode: 0o600, uid: 0, gid: 0, owner: "root", group: "root")
        tree.file("script.sh", Array("#!/bin/sh\necho hello\n".utf8), mode: 0o755, group: nil)
        tree.file("readonly.txt", Array("look, don't touch\n".utf8), mode: 0o444)
        tree.file("mtime-only.txt", Array("same bytes, new time\n".utf8))
        tree.file("morph", Array("a file for now\n".utf8))
        tree.file("dir with spaces/file with spaces.txt", text(lines: 5, seed: "spaces"))
        tree.file("caf\u{E9}.txt", Array("NFC name\n".utf8))
        tree.file("cafe\u{301}.txt", Array("NFD name\n".utf8))
        tree.file("日本語ファイル.txt", Array("unicode name\n".utf8))
        tree.file("emoji-😀.txt", Array("emoji name\n".utf8))
        tree.file("odd #%&'()[]{}!@$=+,;~`^.txt", Array("odd characters\n".utf8))
        tree.file("quote\"and\\backslash.txt", Array("quote and backslash\n".utf8))
        tree.file("tab\there.txt", Array("a tab in the name\n".utf8))
        tree.file(".hidden", Array("hidden file\n".utf8))
        tree.file("docs/notes/deep/leaf.txt", text(lines: 2, seed: "leaf"))
        tree.symlink("link-relative", "docs/notes/deep/leaf.txt")
        tree.symlink("link-absolute", root + "/README.txt")
        tree.symlink("link-dangling", "does/not/exist")
        tree.symlink("link-to-dir", "docs")
        tree.symlink("docs/link-up", "../README.txt")
        let v1 = tree.entries

        tree.advance(days: 31)
        tree.file("README.txt", text(lines: 3 * b / 60 + 4, seed: "readme") + Array("Added in v2.\n".utf8))
        var big = random(multiBlocklist * b + 17, "big")
        let changed = min(hpb + 3, multiBlocklist - 1) * b
        big.replaceSubrange(changed..<(changed + b), with: random(b, "big-changed"))
        tree.file("big.bin", big)
        tree.remove("block-minus-one.bin")
        tree.file("docs/added-in-v2.txt", text(lines: 7, seed: "added"))
        tree.file("mtime-only.txt", Array("same bytes, new time\n".utf8))
        tree.file("secret.txt", Array("top secret\n".utf8), mode: 0o640, uid: 0, gid: 0, owner: "root", group: "root", keepTime: true)
        let v2 = tree.entries

        tree.advance(days: 29)
        tree.remove("dup-a.bin")
        tree.file("hpb-blocks.bin", random(fullBlocklist * b, "hpb-blocks") + [0x5A])
        tree.remove("morph")
        tree.folder("morph")
        tree.file("morph/inside.txt", Array("was a file, now a folder\n".utf8))
        tree.folder("new-dir")
        tree.file("new-dir/new.txt", text(lines: 3, seed: "new"))
        tree.symlink("link-dangling", "README.txt")
        let v3 = tree.entries

        return [v1, v2, v3]
    }

    /// Writes the three versions as a backup.
    /// - Parameters:
    ///   - backupDirectory: the backup folder to create or fill.
    ///   - options: format settings; the tree's sizes follow `options.blocksize`.
    /// - Returns: the dlist names, oldest first.
    /// - Throws: `FixtureError` when writing fails.
    @discardableResult
    package static func write(to backupDirectory: URL, options: FixtureOptions = defaultOptions) throws -> [String] {
        let writer = try FixtureBackupWriter(directory: backupDirectory, options: options)
        let trees = versions(blocksize: options.blocksize, hashSize: options.blockHash.digestSize)
        var names: [String] = []
        for (tree, time) in zip(trees, times) {
            names.append(try writer.addVersion(tree, time: time))
        }
        return names
    }

    /// Compressible text: numbered lines of prose.
    static func text(lines: Int, seed: String) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        let words = ["alpha", "backup", "block", "delta", "dedup", "folder", "index", "volume", "zip", "hash"]
        var out = ""
        for line in 1...max(1, lines) {
            out += "Line \(line):"
            for _ in 0..<8 { out += " " + words[Int(generator.next() % UInt64(words.count))] }
            out += ".\n"
        }
        return Array(out.utf8)
    }

    /// Incompressible bytes from a named seed.
    static func random(_ count: Int, _ seed: String) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return generator.bytes(max(0, count))
    }
}

/// A tree being edited from one sample version to the next. Paths compare by UTF-8 bytes, so
/// NFC and NFD twins stay distinct (Swift's `==` on `String` would merge them).
private struct SampleTree {
    private(set) var entries: [FixtureEntry] = []
    private var time: Int64
    private var counter: Int64 = 0

    init(base: Int64) {
        time = base
    }

    mutating func advance(days: Int64) {
        time += days * 86_400
    }

    mutating func folder(_ relative: String, mode: UInt32 = 0o755, xattrs: [(name: String, value: [UInt8])] = []) {
        set(FixtureEntry(path: path(relative), content: .folder, mode: mode, extendedAttributes: xattrs), keepTime: false)
    }

    mutating func file(
        _ relative: String, _ bytes: [UInt8], mode: UInt32 = 0o644, uid: UInt32 = 1000, gid: UInt32 = 1000,
        owner: String? = "sample", group: String? = "sample", keepTime: Bool = false,
        xattrs: [(name: String, value: [UInt8])] = []
    ) {
        var entry = FixtureEntry(
            path: path(relative), content: .file(bytes), mode: mode, uid: uid, gid: gid, extendedAttributes: xattrs)
        entry.ownerName = owner
        entry.groupName = group
        set(entry, keepTime: keepTime)
    }

    mutating func symlink(_ relative: String, _ target: String) {
        set(FixtureEntry(path: path(relative), content: .symlink(target: target)), keepTime: false)
    }

    mutating func remove(_ relative: String) {
        let key = Array(path(relative).utf8)
        entries.removeAll { Array($0.path.utf8) == key }
    }

    /// Adds or replaces an entry. A replaced entry keeps its time when the content and mode
    /// are unchanged (or `keepTime`), so unchanged files keep identical metadata blocks.
    private mutating func set(_ new: FixtureEntry, keepTime: Bool) {
        var entry = new
        if entry.ownerName == nil && entry.groupName == nil && entry.fileBytes == nil {
            entry.ownerName = "sample"
            entry.groupName = "sample"
        }
        let key = Array(entry.path.utf8)
        if let index = entries.firstIndex(where: { Array($0.path.utf8) == key }) {
            let old = entries[index]
            if keepTime || (sameContent(old, entry) && old.mode == entry.mode && !isMtimeOnly(entry)) {
                entry.mtimeSeconds = old.mtimeSeconds
                entry.mtimeNanoseconds = old.mtimeNanoseconds
            } else {
                stamp(&entry)
            }
            entries[index] = entry
        } else {
            stamp(&entry)
            entries.append(entry)
        }
    }

    private func isMtimeOnly(_ entry: FixtureEntry) -> Bool {
        entry.path.hasSuffix("/mtime-only.txt")
    }

    private func sameContent(_ a: FixtureEntry, _ b: FixtureEntry) -> Bool {
        switch (a.content, b.content) {
        case (.folder, .folder): true
        case (.file(let x), .file(let y)): x == y
        case (.symlink(let x), .symlink(let y)): Array(x.utf8) == Array(y.utf8)
        default: false
        }
    }

    /// A fresh mtime: minutes apart, with a sub-second part that is a multiple of 100 ns.
    private mutating func stamp(_ entry: inout FixtureEntry) {
        counter += 1
        entry.mtimeSeconds = time + counter * 61
        entry.mtimeNanoseconds = Int32((counter * 123_456_700) % 1_000_000_000)
    }

    private func path(_ relative: String) -> String {
        relative.isEmpty ? SampleBackup.root : SampleBackup.root + "/" + relative
    }
}
