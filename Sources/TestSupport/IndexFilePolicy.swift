/// Which dindex files a fixture writes (Duplicati's `--index-file-policy`).
package enum IndexFilePolicy: Sendable {
    /// One dindex per dblock with `vol/` and `list/` entries (the default).
    case full
    /// One dindex per dblock with `vol/` entries only.
    case lookup
    /// No dindex files.
    case none
}
