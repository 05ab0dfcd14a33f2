import Foundation

/// A source tree that lives through many versions the way a real backup job's source does:
/// from one version to the next a share of its files change (new bytes, new mtime), some are
/// added and some deleted, all drawn from a seed, so every version can be rebuilt on demand.
///
/// Files are small text files (one block each at any usual block size), spread over folders
/// of `filesPerFolder` under groups of `foldersPerGroup`:
/// `ROOT/g000/d00000/f00000000.txt`. Names are fixed-width, so the byte order of paths is the
/// order of (folder, file id), and a new file (a new, higher id) sorts last in its folder.
/// Folders never change; a deleted file's name is never used again.
package struct ChurningTree: Sendable {
    /// Size and churn of the tree.
    package struct Shape: Sendable, Equatable {
        /// Files in the oldest version.
        package var files: Int
        /// Number of versions.
        package var versions: Int
        /// Share of the files that change from one version to the next (new bytes and mtime).
        package var changed = 0.01
        /// Files added per version, as a share of the files present.
        package var added = 0.005
        /// Share of the files deleted per version.
        package var deleted = 0.003
        /// Files per folder in the oldest version.
        package var filesPerFolder = 100
        /// Folders per group folder.
        package var foldersPerGroup = 100
        /// The seed of every random choice and of the file contents.
        package var seed: UInt64 = 1
        /// The backed-up root, as stored (no trailing separator).
        package var root = "/bench/versions"
        /// The newest version's backup time; older versions lie one day apart before it.
        package var newestTime = Date(timeIntervalSince1970: 1_704_103_200)

        /// - Parameters:
        ///   - files: files in the oldest version.
        ///   - versions: number of versions.
        ///   - seed: the seed of every choice.
        package init(files: Int, versions: Int, seed: UInt64 = 1) {
            self.files = files
            self.versions = versions
            self.seed = seed
        }

        /// The backup time of version `index` (0 = oldest).
        package func time(ofVersion index: Int) -> Date {
            newestTime.addingTimeInterval(-Double(versions - 1 - index) * 86_400)
        }

        /// Number of folders (the root and the groups not counted).
        package var folderCount: Int { max(1, (files + filesPerFolder - 1) / filesPerFolder) }
        /// Number of group folders.
        package var groupCount: Int { (folderCount + foldersPerGroup - 1) / foldersPerGroup }
    }

    /// The shape this tree follows.
    package let shape: Shape
    /// The version the tree is at (0 = oldest).
    package private(set) var version = 0
    /// Per file id: its folder.
    private var folderOf: [Int32] = []
    /// Per file id: how many times its bytes changed.
    private var generationOf: [Int32] = []
    /// Per file id: the version that wrote its current bytes (sets its mtime).
    private var writtenIn: [Int32] = []
    /// Per file id: its index in `live`, or -1 once deleted.
    private var position: [Int32] = []
    /// The ids of the files present, in no order.
    private var live: [Int] = []
    /// Per folder: the ids of its files, ascending (= path order).
    private var folderFiles: [[Int]] = []
    private var random: SeededGenerator
    /// Files changed by the last `advance()` and those added by it (ids).
    package private(set) var lastChanged: [Int] = []
    package private(set) var lastAdded: [Int] = []
    /// Files ever written as distinct (path, bytes, mtime) triples, over all versions so far.
    package private(set) var distinctFiles = 0

    /// The oldest version of a tree.
    /// - Parameter shape: size and churn.
    package init(shape: Shape) {
        self.shape = shape
        random = SeededGenerator(seed: shape.seed &* 0x9E37_79B9_7F4A_7C15 &+ 17)
        folderFiles = Array(repeating: [], count: shape.folderCount)
        for id in 0..<shape.files {
            addFile(id: id, folder: id / shape.filesPerFolder)
        }
        distinctFiles = shape.files
    }

    /// The number of files present.
    package var fileCount: Int { live.count }

    /// Folder entries of every version: the root, the groups and the folders.
    package var folderEntryCount: Int { 1 + shape.groupCount + shape.folderCount }

    /// Entries of the current version (its file list's length).
    package var entryCount: Int { folderEntryCount + live.count }

    /// Moves to the next version: deletes, then changes, then adds files.
    package mutating func advance() {
        version += 1
        let present = live.count
        let deletions = Int((Double(present) * shape.deleted).rounded())
        let changes = Int((Double(present) * shape.changed).rounded())
        let additions = Int((Double(present) * shape.added).rounded())
        for _ in 0..<min(deletions, live.count) {
            removeFile(live[Int(random.next() % UInt64(live.count))])
        }
        var chosen = Set<Int>()
        while chosen.count < min(changes, live.count) {
            chosen.insert(live[Int(random.next() % UInt64(live.count))])
        }
        lastChanged = chosen.sorted()
        for id in lastChanged {
            generationOf[id] += 1
            writtenIn[id] = Int32(version)
        }
        lastAdded = []
        for _ in 0..<additions {
            let id = folderOf.count
            addFile(id: id, folder: Int(random.next() % UInt64(folderFiles.count)))
            lastAdded.append(id)
        }
        distinctFiles += lastChanged.count + lastAdded.count
    }

    /// The ids of the files present, in file-list order (by path).
    package var fileIDsInPathOrder: [Int] {
        folderFiles.flatMap { $0 }
    }

    /// The folder entries, in file-list order (by stored path): root, then each group
    /// followed by its folders.
    package var folderEntries: [FixtureEntry] {
        var out = [folderEntry(path: shape.root, index: -1)]
        for group in 0..<shape.groupCount {
            out.append(folderEntry(path: groupPath(group), index: shape.folderCount + group))
            let first = group * shape.foldersPerGroup
            for folder in first..<min(first + shape.foldersPerGroup, shape.folderCount) {
                out.append(folderEntry(path: folderPath(folder), index: folder))
            }
        }
        return out
    }

    /// A file present in the current version, with its current bytes, mode and mtime.
    /// - Parameter id: a file id of the current version.
    package func fileEntry(_ id: Int) -> FixtureEntry {
        let generation = Int(generationOf[id])
        let written = shape.time(ofVersion: Int(writtenIn[id])).timeIntervalSince1970
        // Some minutes to hours before the backup that first saw these bytes; sub-second part in 100 ns steps.
        let seconds = Int64(written) - 60 - Int64((id &* 7919 &+ generation &* 104_729) % 20_000)
        let nanoseconds = Int32((id &* 48_271 &+ generation &* 16_807) % 10_000_000) * 100
        let mode: UInt32 = id % 11 == 0 ? 0o600 : id % 13 == 0 ? 0o755 : 0o644
        return FixtureEntry(
            path: "\(folderPath(Int(folderOf[id])))/f\(Self.padded(id, 8)).txt", content: .file(bytes(id: id, generation: generation)),
            mode: mode, mtimeSeconds: seconds, mtimeNanoseconds: nanoseconds)
    }

    /// Every entry of the current version, in file-list order (folders, then files by path).
    package var entries: [FixtureEntry] {
        folderEntries + fileIDsInPathOrder.map(fileEntry)
    }

    /// The entries of one version, rebuilt from the seed.
    /// - Parameters:
    ///   - shape: the tree's shape.
    ///   - index: the version (0 = oldest).
    package static func entries(_ shape: Shape, version index: Int) -> [FixtureEntry] {
        var tree = ChurningTree(shape: shape)
        for _ in 0..<index { tree.advance() }
        return tree.entries
    }

    // MARK: Private

    private mutating func addFile(id: Int, folder: Int) {
        precondition(id == folderOf.count, "file ids are handed out in order")
        folderOf.append(Int32(folder))
        generationOf.append(0)
        writtenIn.append(Int32(version))
        position.append(Int32(live.count))
        live.append(id)
        folderFiles[folder].append(id)
    }

    private mutating func removeFile(_ id: Int) {
        let index = Int(position[id])
        let last = live.removeLast()
        if last != id {
            live[index] = last
            position[last] = Int32(index)
        }
        position[id] = -1
        let folder = Int(folderOf[id])
        if let at = Self.binarySearch(folderFiles[folder], id) { folderFiles[folder].remove(at: at) }
    }

    private func folderEntry(path: String, index: Int) -> FixtureEntry {
        let base = Int64(shape.time(ofVersion: 0).timeIntervalSince1970) - 86_400
        return FixtureEntry(
            path: path, content: .folder, mode: index % 7 == 3 ? 0o750 : 0o755,
            mtimeSeconds: base - Int64(index + 1) * 61, mtimeNanoseconds: Int32((index + 1) * 1_300 % 10_000_000) * 100)
    }

    private func groupPath(_ group: Int) -> String { "\(shape.root)/g\(Self.padded(group, 3))" }

    private func folderPath(_ folder: Int) -> String {
        "\(groupPath(folder / shape.foldersPerGroup))/d\(Self.padded(folder, 5))"
    }

    /// A file's bytes: a line naming it, then 40 to 1,500 bytes of lower-case words.
    private func bytes(id: Int, generation: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: shape.seed ^ (UInt64(id) &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(generation) &* 0x8CB9_2BA7_2F3D_8DD7))
        var out = Array("file \(id) generation \(generation)\n".utf8)
        let count = 40 + Int(generator.next() % 1_461)
        out.reserveCapacity(out.count + count)
        var word = generator.next()
        for index in 0..<count {
            if index % 8 == 0 { word = generator.next() }
            let bits = UInt8(truncatingIfNeeded: word >> UInt64(8 * (index % 8)))
            out.append(bits % 7 == 0 ? (bits % 63 == 0 ? 0x0A : 0x20) : 0x61 + bits % 26)
        }
        return out
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func binarySearch(_ sorted: [Int], _ value: Int) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value ? low : nil
    }
}
