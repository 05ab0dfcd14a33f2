/// The columns that make an entry what it is; two list entries with equal content are one row.
struct EntryContent {
    var path: Int64
    var kind: EntryKindCode
    var size: Int64 = 0
    var hash: String? = nil
    var blocklists: [String] = []
    var blockhash: String? = nil
    var metahash: String? = nil
    var metasize: Int64? = nil
    var metablocklists: [String] = []
    var metablockhash: String? = nil
    var spelling: String? = nil
    var listed = false
    var listTime: Int64? = nil

    /// The columns `path, kind, size, hash, blocklists, blockhash, metahash, metasize,
    /// metablocklists, metablockhash, spelling, listed, listtime`, in that order.
    var values: [SQLValue] {
        [
            .integer(path), .integer(kind.rawValue), .integer(size), StoredHash.value(hash), StoredHash.list(blocklists),
            StoredHash.value(blockhash), StoredHash.value(metahash), metasize.map { .integer($0) } ?? .null,
            StoredHash.list(metablocklists), StoredHash.value(metablockhash), spelling.map { .text($0) } ?? .null,
            .integer(listed ? 1 : 0), listTime.map { .integer($0) } ?? .null,
        ]
    }

    static let columns = "path, kind, size, hash, blocklists, blockhash, metahash, metasize, metablocklists, metablockhash, spelling, listed, listtime"
}
