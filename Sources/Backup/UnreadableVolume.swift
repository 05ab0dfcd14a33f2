/// A volume of the backup's folder that this reader cannot open: a container or encryption it
/// does not decode (7z, GPG). It is left out of the index; what only it holds is missing,
/// as with a damaged volume.
package struct UnreadableVolume: Sendable, Hashable {
    /// The remote file name.
    package let name: String
    /// `dblock`, `dindex` or `dlist`.
    package let kind: String
    /// Why, and the way out where there is one, for humans.
    package let reason: String
}
