/// Guesses a MIME type from a file name's extension, as pCloud does for uploads without one.
package enum ContentType {
    private static let byExtension: [String: String] = [
        "txt": "text/plain", "html": "text/html", "htm": "text/html", "json": "application/json",
        "xml": "application/xml", "zip": "application/zip", "7z": "application/x-7z-compressed",
        "gz": "application/gzip", "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "gif": "image/gif", "mp3": "audio/mpeg", "mp4": "video/mp4",
        "csv": "text/csv", "sqlite": "application/vnd.sqlite3",
    ]

    /// The MIME type for `name`, `application/octet-stream` when unknown.
    package static func guess(forName name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        let ext = name[name.index(after: dot)...].lowercased()
        return byExtension[ext] ?? "application/octet-stream"
    }

    /// pCloud's `category` number: 0 uncategorised, 1 image, 2 video, 3 audio, 4 document, 5 archive.
    static func category(for contentType: String) -> Int {
        if contentType.hasPrefix("image/") { return 1 }
        if contentType.hasPrefix("video/") { return 2 }
        if contentType.hasPrefix("audio/") { return 3 }
        if contentType.hasPrefix("text/") || contentType == "application/pdf" { return 4 }
        if contentType.contains("zip") || contentType.contains("7z") { return 5 }
        return 0
    }

    /// pCloud's `icon` name for a file category.
    static func icon(forCategory category: Int) -> String {
        switch category {
        case 1: "image"
        case 2: "video"
        case 3: "audio"
        case 4: "document"
        case 5: "archive"
        default: "file"
        }
    }
}
