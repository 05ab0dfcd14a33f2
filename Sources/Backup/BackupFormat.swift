import Digests

/// The parameters every volume of one backup shares (from its manifests).
package struct BackupFormat: Sendable, Equatable {
    /// Block size in bytes.
    package let blocksize: Int
    /// Hash of each block (and blocklist) content.
    package let blockHash: HashAlgorithm
    /// Hash of whole files and metadata blobs.
    package let fileHash: HashAlgorithm

    /// Hashes one blocklist block holds.
    package var hashesPerBlocklist: Int { blocksize / blockHash.digestSize }

    package init(blocksize: Int, blockHash: HashAlgorithm, fileHash: HashAlgorithm) {
        self.blocksize = blocksize
        self.blockHash = blockHash
        self.fileHash = fileHash
    }
}
