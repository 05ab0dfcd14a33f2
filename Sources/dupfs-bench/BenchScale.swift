/// How big the benchmark's data is: the sizes, or a scaled-down set for `--quick`.
struct BenchScale: Sendable {
    /// "full" or "quick", printed with the results.
    let name: String
    /// The large file of (b), deflate-compressible text.
    let bigFileSize: Int
    /// The random (incompressible) file of (g).
    let randomFileSize: Int
    /// Duplicati's `--dblock-size`.
    let volumeSize: Int
    /// Duplicati's `--blocksize`.
    let blocksize: Int
    /// Files in the version listed by (d).
    let listingFiles: Int
    /// Files in the mixed version read by (e).
    let mixedFiles: Int
    /// Files in the version of (f).
    let hugeFiles: Int
    /// 4 KiB reads per pass in (g).
    let randomReads: Int
    /// Files in each of the two versions of the WAN data set.
    let wanFiles: Int
    /// The many-version data sets of the `h` rows: files of the oldest version x versions.
    let versionSets: [(files: Int, versions: Int)]

    /// The sizes the issue names.
    static let full = BenchScale(
        name: "full", bigFileSize: 1 << 30, randomFileSize: 256 << 20, volumeSize: 50 << 20, blocksize: 1 << 20,
        listingFiles: 100_000, mixedFiles: 50_000, hugeFiles: 1_000_000, randomReads: 200, wanFiles: 20_000,
        versionSets: [(10_000, 100), (100_000, 100)])

    /// About three minutes end to end.
    static let quick = BenchScale(
        name: "quick", bigFileSize: 64 << 20, randomFileSize: 32 << 20, volumeSize: 16 << 20, blocksize: 1 << 20,
        listingFiles: 5_000, mixedFiles: 5_000, hugeFiles: 10_000, randomReads: 30, wanFiles: 2_000,
        versionSets: [(1_000, 20), (5_000, 20)])
}
