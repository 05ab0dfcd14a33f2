/// How content is cut into blocks and blocklists (§7.2). Pure arithmetic; the caller passes
/// a block size validated by `Manifest` and a digest size from `HashAlgorithm`.
package enum BlockLayout {
    /// The number of blocks of a content of `size` bytes: ⌈size / blocksize⌉, 0 for empty
    /// (or negative) sizes.
    /// - Parameters:
    ///   - size: content length in bytes.
    ///   - blocksize: the backup's block size; must be positive.
    /// - Returns: the block count.
    package static func blockCount(size: Int64, blocksize: Int) -> Int {
        precondition(blocksize > 0, "blocksize must be positive")
        guard size > 0 else { return 0 }
        let divisor = Int64(blocksize)
        return Int(size / divisor + (size % divisor == 0 ? 0 : 1))
    }

    /// `hpb`: how many hashes one blocklist holds, ⌊blocksize / hashSize⌋. Block k is listed in
    /// blocklist ⌊k / hpb⌋ at slot k mod hpb.
    /// - Parameters:
    ///   - blocksize: the backup's block size; must be positive.
    ///   - hashSize: the BlockHash digest length; must be positive.
    /// - Returns: hashes per blocklist.
    package static func hashesPerBlocklist(blocksize: Int, hashSize: Int) -> Int {
        precondition(blocksize > 0 && hashSize > 0, "blocksize and hashSize must be positive")
        return blocksize / hashSize
    }

    /// How many blocklists a content of `size` bytes must have: 0 for fewer than two blocks,
    /// else ⌈blockCount / hpb⌉.
    /// - Parameters:
    ///   - size: content length in bytes.
    ///   - blocksize: the backup's block size; must be positive.
    ///   - hashSize: the BlockHash digest length; must be positive and at most `blocksize`.
    /// - Returns: the expected number of `blocklists` entries.
    package static func blocklistCount(size: Int64, blocksize: Int, hashSize: Int) -> Int {
        let blocks = blockCount(size: size, blocksize: blocksize)
        guard blocks > 1 else { return 0 }
        let perList = hashesPerBlocklist(blocksize: blocksize, hashSize: hashSize)
        precondition(perList > 0, "hashSize must not exceed blocksize")
        return blocks / perList + (blocks % perList == 0 ? 0 : 1)
    }

    /// The length of block `index` of a content of `size` bytes.
    /// - Parameters:
    ///   - index: block number, 0-based.
    ///   - size: content length in bytes.
    ///   - blocksize: the backup's block size; must be positive.
    /// - Returns: min(blocksize, size − index·blocksize), or nil if `index` is past the end.
    package static func blockLength(index: Int, size: Int64, blocksize: Int) -> Int? {
        guard index >= 0, index < blockCount(size: size, blocksize: blocksize) else { return nil }
        let start = Int64(index) * Int64(blocksize)
        return Int(min(Int64(blocksize), size - start))
    }
}
