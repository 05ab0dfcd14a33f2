/// The one place the release number lives: `dupfs --version` and the man page show it.
enum Version {
    static let current = "0.9.0"
}
