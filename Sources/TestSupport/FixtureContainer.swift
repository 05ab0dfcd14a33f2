/// The compression module (container) of a fixture's volumes (`--compression-module`, format §4).
package enum FixtureContainer: Sendable {
    /// Zip volumes (`.zip`), Duplicati's default.
    case zip
    /// 7z volumes (`.7z`), as Duplicati ≤ 2.0.9.108 could write. No reader of this project decodes
    /// 7z, so each is written as an empty 7z archive (`SevenZipVolume`): only its name, and which
    /// blocks the writer believes it holds, matter to tests.
    case sevenZip
    /// A tar in one gzip stream (`.tgz`, 2.3.0.101 canary / 2.3.1.0 beta and later).
    case tgz
    /// A tar in one zstd frame (`.tzstd`, same versions), level 10 as Duplicati's default.
    case tzstd

    /// The compression part of a volume name: `zip`, `7z`, `tgz` or `tzstd`.
    package var suffix: String {
        switch self {
        case .zip: "zip"
        case .sevenZip: "7z"
        case .tgz: "tgz"
        case .tzstd: "tzstd"
        }
    }
}
