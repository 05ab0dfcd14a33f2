import Foundation

/// Renders drive entries as pCloud metadata objects (API notes §2.1, §8.5).
struct MetadataRenderer: Sendable {
    /// `timeformat=timestamp` was asked for: datetimes become Unix seconds.
    var timestamps = false
    /// Include the unreliable `path` field.
    var includePath = false

    func date(_ date: Date) -> JSONValue {
        timestamps ? .int(Int64(date.timeIntervalSince1970.rounded(.down))) : .string(PCloudDate.string(date))
    }

    func folder(_ folder: DriveFolder, path: String, contents: [JSONValue]? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("name", .string(folder.name)),
            ("isfolder", .bool(true)),
            ("id", .string("d\(folder.id)")),
            ("folderid", .uint(folder.id)),
        ]
        if let parent = folder.parent { pairs.append(("parentfolderid", .uint(parent))) }
        pairs += [
            ("created", date(folder.created)),
            ("modified", date(folder.modified)),
            ("icon", .string("folder")),
            ("thumb", .bool(false)),
            ("ismine", .bool(true)),
            ("isshared", .bool(false)),
        ]
        if folder.isDeleted { pairs.append(("isdeleted", .bool(true))) }
        if includePath { pairs.append(("path", .string(path))) }
        if let contents { pairs.append(("contents", .array(contents))) }
        return .object(pairs)
    }

    func file(_ file: DriveFile, path: String) -> JSONValue {
        let category = ContentType.category(for: file.contentType)
        var pairs: [(String, JSONValue)] = [
            ("name", .string(file.name)),
            ("isfolder", .bool(false)),
            ("id", .string("f\(file.id)")),
            ("fileid", .uint(file.id)),
            ("parentfolderid", .uint(file.parent)),
            ("created", date(file.created)),
            ("modified", date(file.modified)),
            ("size", .int(file.size)),
            ("contenttype", .string(file.contentType)),
            ("hash", .uint(file.hash)),
            ("category", .int(Int64(category))),
            ("icon", .string(ContentType.icon(forCategory: category))),
            ("thumb", .bool(false)),
            ("ismine", .bool(true)),
            ("isshared", .bool(false)),
        ]
        if file.isDeleted { pairs.append(("isdeleted", .bool(true))) }
        if includePath { pairs.append(("path", .string(path))) }
        return .object(pairs)
    }

    func listing(_ listing: FolderListing) -> JSONValue {
        folder(listing.folder, path: listing.path, contents: listing.contents.map(entry))
    }

    func entry(_ entry: ListingEntry) -> JSONValue {
        switch entry {
        case .folder(let folder, let path, let nested):
            if let nested { return listing(nested) }
            return self.folder(folder, path: path)
        case .file(let file, let path):
            return self.file(file, path: path)
        }
    }
}
