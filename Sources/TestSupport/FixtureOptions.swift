import Digests
import Zip

/// Settings of a fixture backup; the defaults match Duplicati 2.0.8's defaults.
package struct FixtureOptions: Sendable {
    /// The file-name prefix (`--prefix`); must not contain `-`.
    package var prefix = "duplicati"
    /// Block size in bytes (≥ 1024 for Duplicati; 1024 gives 32 hashes per blocklist).
    package var blocksize = 102_400
    /// Block hash algorithm (`--block-hash-algorithm`).
    package var blockHash: HashAlgorithm = .sha256
    /// File hash algorithm (`--file-hash-algorithm`); also hashes uploaded volumes.
    package var fileHash: HashAlgorithm = .sha256
    /// `--dblock-size`: a dblock is closed once its size exceeds `volumeSize - blocksize`.
    package var volumeSize = 50 << 20
    /// The container of every volume (`--compression-module`).
    package var container: FixtureContainer = .zip
    /// Encryption of every volume.
    package var encryption: FixtureEncryption = .none
    /// The AES Crypt header extensions of encrypted volumes.
    package var aesHeader: AESHeaderStyle = .dated
    /// Write a PAR2 parity companion (`<name>.par2`) beside every dblock and dlist, as
    /// `--parity-module=par2` does (2.3.0.107 canary and later; never for dindex files).
    package var parity = false
    /// Which dindex files to write.
    package var indexPolicy: IndexFilePolicy = .full
    /// Lower-case extensions whose data blocks are stored (zip method 0) like Duplicati's
    /// `default_compressed_extensions.txt`; other data blocks are deflated.
    package var storedExtensions: Set<String> = FixtureOptions.defaultStoredExtensions
    /// `--zip-compression-method`. `.deflate` (the default) writes as .NET's ZipArchive does:
    /// non-compressible entries stored, the others deflated. Any other method writes as
    /// SharpCompress does: that one method for every entry of every volume (ZStandard at level
    /// 21, or 1 for non-compressible entries; PPMd with order 6, 16 MiB, restart; `.stored` is
    /// "None").
    package var compressionMethod: ZipMethod = .deflate
    /// Force Zip64 records in every volume.
    package var zip64 = false
    /// Write local headers with data descriptors (general-purpose bit 3).
    package var dataDescriptors = false
    /// The manifest `Version` (2 today, 1 for ≤ 2.0.1.27).
    package var manifestVersion = 2
    /// Write the dlist `fileset` entry (absent before 2.0.4.30).
    package var writeFileset = true
    /// Start `filelist.json` with a UTF-8 BOM (absent before 2.0.5).
    package var filelistBOM = true
    /// Store each block only once across the whole backup. False stores every block again in
    /// each version, so the same block lies in several dblocks.
    package var deduplicate = true
    /// Seed of the deterministic volume GUIDs.
    package var seed: UInt64 = 0
    /// The manifest `AppVersion`.
    package var appVersion = "2.1.0.5"
    /// Deflate level of compressible entries (Duplicati's default is 9).
    package var compressionLevel: Int32 = 9

    /// Extensions stored without compression by default.
    package static let defaultStoredExtensions: Set<String> = [
        "zip", "7z", "rar", "gz", "tgz", "bz2", "xz", "zst", "lz", "lzma", "cab", "jar", "apk",
        "jpg", "jpeg", "png", "gif", "webp", "heic", "mp3", "mp4", "m4a", "aac", "ogg", "flac",
        "avi", "mkv", "mov", "webm", "wmv", "docx", "xlsx", "pptx", "odt", "ods", "epub", "pdf",
        "aes", "gpg", "dmg",
    ]

    /// Creates options with Duplicati's defaults; change fields afterwards.
    package init() {}

    /// Creates options with the fields most tests change.
    /// - Parameters:
    ///   - blocksize: block size in bytes.
    ///   - volumeSize: the dblock size limit.
    ///   - encryption: volume encryption.
    ///   - indexPolicy: which dindex files to write.
    package init(
        blocksize: Int, volumeSize: Int = 50 << 20, encryption: FixtureEncryption = .none,
        indexPolicy: IndexFilePolicy = .full
    ) {
        self.blocksize = blocksize
        self.volumeSize = volumeSize
        self.encryption = encryption
        self.indexPolicy = indexPolicy
    }

    /// Hashes per blocklist: `blocksize / blockHash.digestSize`.
    package var hashesPerBlocklist: Int {
        blocksize / blockHash.digestSize
    }
}
