/// Rewrites a backup URL for places where it may be seen (a child's arguments, messages).
enum BackupLocationText {
    /// The URL without `authid=`, `access_token=` or `auth=` query parameters.
    static func withoutSecrets(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        let base = url[..<question]
        let kept = url[url.index(after: question)...].split(separator: "&").filter { pair in
            let key = pair.split(separator: "=", maxSplits: 1).first?.lowercased() ?? ""
            return !["authid", "access_token", "auth"].contains(key)
        }
        return kept.isEmpty ? String(base) : base + "?" + kept.joined(separator: "&")
    }
}
