/// A reader opening a folder's files one after another in name order (`tar`, `cp -r`, `rsync`),
/// and the files already fetched ahead of it. Small files are one block each, so reading them
/// one by one costs one storage request per file; fetched ahead in batches, neighbouring blocks
/// come in one coalesced request.
///
/// A sweep starts when a file opened is the next file after the one opened before in the same
/// folder; it goes on while the files opened are among those planned ahead.
struct FolderSweep: Sendable {
    /// Most files fetched ahead of the reader.
    static let filesAhead = 64
    /// Most bytes (of file content) fetched ahead of the reader.
    static let bytesAhead: Int64 = 16 << 20

    /// A file planned ahead.
    struct Planned: Sendable {
        let name: String
        let size: Int64
    }

    /// What an open means for the sweep.
    enum Progress: Equatable {
        /// The file was planned ahead: the sweep goes on.
        case continues
        /// No sweep yet: it starts if the file opened is the next file after this name.
        case startsIfNext(after: String)
        /// The same file again: nothing changes.
        case none
    }

    /// The name of the file opened last.
    private(set) var lastOpened: String
    /// Files planned (and handed to prefetch) but not opened yet, in name order.
    private(set) var ahead: [Planned] = []
    /// The last child considered when planning: the next batch starts after it; nil while no
    /// sweep runs.
    private(set) var plannedThrough: String?
    /// No children left after ``plannedThrough``.
    private(set) var exhausted = false
    /// When the sweep was last used (a tick), to forget the oldest.
    var used: UInt64

    /// A folder where `name` was just opened.
    init(opened name: String, tick: UInt64) {
        lastOpened = name
        used = tick
    }

    /// Bytes of the files planned ahead.
    var bytesPlanned: Int64 { ahead.reduce(0) { $0 + $1.size } }

    /// Records that `name` was opened.
    mutating func open(_ name: String) -> Progress {
        if let index = ahead.firstIndex(where: { $0.name == name }) {
            ahead.removeFirst(index + 1)
            lastOpened = name
            return .continues
        }
        if name == lastOpened { return .none }
        let previous = lastOpened
        self = FolderSweep(opened: name, tick: used)
        return .startsIfNext(after: previous)
    }

    /// Marks the sweep as started at the file just opened (`lastOpened`).
    mutating func start() {
        ahead = []
        plannedThrough = lastOpened
        exhausted = false
    }

    /// Whether the files planned ahead have run low (half the window) and more may follow.
    var wantsMore: Bool {
        guard let _ = plannedThrough, !exhausted else { return false }
        return ahead.count < Self.filesAhead / 2 && bytesPlanned < Self.bytesAhead / 2
    }

    /// How many more files and bytes the next batch may plan.
    var room: (files: Int, bytes: Int64) {
        (max(0, Self.filesAhead - ahead.count), max(0, Self.bytesAhead - bytesPlanned))
    }

    /// Adds a planned batch.
    /// - Parameters:
    ///   - files: the files planned, in name order.
    ///   - through: the last child considered (a file or not).
    ///   - exhausted: whether the folder has no children after `through`.
    mutating func add(_ files: [Planned], through: String?, exhausted: Bool) {
        ahead += files
        if let through { plannedThrough = through }
        self.exhausted = exhausted
    }
}
