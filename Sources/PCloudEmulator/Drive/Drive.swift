import Foundation

/// The emulated account's drive: an in-memory tree of folders and files mirrored on disk under `root`.
///
/// Seeded at start-up by walking `root` in sorted order, so ids are deterministic for a given tree:
/// the root is 0 and every folder and file after it takes the next id of one counter (never reused).
/// Changes made on disk behind the emulator's back while it runs are not noticed.
package actor Drive {
    /// The folder on disk holding the drive's bytes.
    package nonisolated let root: URL
    private var folders: [UInt64: DriveFolder] = [:]
    private var files: [UInt64: DriveFile] = [:]
    private var nextID: UInt64 = 1
    private var uploadCounter = 0

    /// Name prefix of the emulator's temporary upload files; such entries are never listed.
    static let temporaryPrefix = ".pcloud-emulator-upload-"

    /// Loads the tree under `root`.
    /// - Throws: ``DriveError/rootMissing(_:)`` when `root` is not a folder.
    package init(root: URL) throws {
        self.root = root.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DriveError.rootMissing(root.path)
        }
        let rootDate = Drive.modificationDate(ofPath: self.root.path) ?? Date()
        var counter: UInt64 = 1
        var loadedFolders: [UInt64: DriveFolder] = [
            0: DriveFolder(id: 0, parent: nil, name: "/", created: rootDate, modified: rootDate)
        ]
        var loadedFiles: [UInt64: DriveFile] = [:]
        Drive.seed(folderID: 0, at: self.root, counter: &counter, folders: &loadedFolders, files: &loadedFiles)
        folders = loadedFolders
        files = loadedFiles
        nextID = counter
    }

    private static func seed(
        folderID: UInt64, at url: URL, counter: inout UInt64,
        folders: inout [UInt64: DriveFolder], files: inout [UInt64: DriveFile]
    ) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        for name in names where !name.hasPrefix(temporaryPrefix) {
            let path = url.appendingPathComponent(name).path
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            let mtime = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
            let id = counter
            counter += 1
            if (info.st_mode & S_IFMT) == S_IFDIR {
                folders[id] = DriveFolder(id: id, parent: folderID, name: name, created: mtime, modified: mtime)
                folders[folderID]?.children[name] = .folder(id)
                seed(folderID: id, at: url.appendingPathComponent(name), counter: &counter, folders: &folders, files: &files)
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                files[id] = DriveFile(
                    id: id, parent: folderID, name: name, size: Int64(info.st_size), created: mtime, modified: mtime,
                    contentType: ContentType.guess(forName: name))
                folders[folderID]?.children[name] = .file(id)
            }
        }
    }

    static func modificationDate(ofPath path: String) -> Date? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
    }

    // MARK: Lookups

    /// The live folder with `id`.
    func folder(_ id: UInt64) throws(PCloudFailure) -> DriveFolder {
        guard let folder = folders[id], !folder.isDeleted else { throw PCloudFailure(.folderMissing) }
        return folder
    }

    /// The live file with `id`.
    func file(_ id: UInt64, missing: PCloudResult = .fileMissing) throws(PCloudFailure) -> DriveFile {
        guard let file = files[id], !file.isDeleted else { throw PCloudFailure(missing) }
        return file
    }

    /// The live file with `id`, or `nil`.
    package func fileIfPresent(_ id: UInt64) -> DriveFile? {
        guard let file = files[id], !file.isDeleted else { return nil }
        return file
    }

    /// The entry at an absolute pCloud path (`/a/b`), or `nil`.
    func item(atPath path: String) -> DriveItemID? {
        var current: UInt64 = 0
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.isEmpty { return .folder(0) }
        for (index, part) in parts.enumerated() {
            guard let child = folders[current]?.children[part] else { return nil }
            switch child {
            case .folder(let id):
                current = id
            case .file(let id):
                return index == parts.count - 1 ? .file(id) : nil
            }
        }
        return .folder(current)
    }

    /// The pCloud path of folder `id` (`/` for the root).
    func path(ofFolder id: UInt64) -> String {
        var names: [String] = []
        var current: UInt64? = id
        var guardCount = 0
        while let c = current, c != 0, let folder = folders[c], guardCount < 10_000 {
            names.append(folder.name)
            current = folder.parent
            guardCount += 1
        }
        return "/" + names.reversed().joined(separator: "/")
    }

    /// The pCloud path of a file.
    func path(of file: DriveFile) -> String {
        let parent = path(ofFolder: file.parent)
        return parent == "/" ? "/" + file.name : parent + "/" + file.name
    }

    /// Where folder `id` lives on disk.
    func diskURL(ofFolder id: UInt64) -> URL {
        let relative = path(ofFolder: id)
        return relative == "/" ? root : root.appendingPathComponent(String(relative.dropFirst()))
    }

    /// Where a file lives on disk.
    package func diskURL(of file: DriveFile) -> URL {
        diskURL(ofFolder: file.parent).appendingPathComponent(file.name)
    }

    /// The sum of all live file sizes.
    package func usedBytes() -> Int64 {
        files.values.reduce(Int64(0)) { $1.isDeleted ? $0 : $0 &+ $1.size }
    }

    // MARK: Listing

    /// Lists folder `id`.
    /// - Parameters:
    ///   - recursive: Nest every subfolder's contents.
    ///   - includeFiles: `false` for `nofiles`.
    ///   - showDeleted: Include trashed entries that were in this folder.
    ///   - itemLimit: Fail with 5000 when a listing grows past this many entries.
    func listing(
        folderID id: UInt64, recursive: Bool, includeFiles: Bool, showDeleted: Bool, itemLimit: Int?
    ) throws(PCloudFailure) -> FolderListing {
        let folder = try self.folder(id)
        var count = 0
        return try listing(
            folder, path: path(ofFolder: id), recursive: recursive, includeFiles: includeFiles,
            showDeleted: showDeleted, itemLimit: itemLimit, count: &count, depth: 0)
    }

    private func listing(
        _ folder: DriveFolder, path: String, recursive: Bool, includeFiles: Bool, showDeleted: Bool,
        itemLimit: Int?, count: inout Int, depth: Int
    ) throws(PCloudFailure) -> FolderListing {
        var entries: [ListingEntry] = []
        let prefix = path == "/" ? "/" : path + "/"
        for name in folder.children.keys.sorted() {
            guard let child = folder.children[name] else { continue }
            count += 1
            if let itemLimit, count > itemLimit { throw PCloudFailure(.internalError) }
            switch child {
            case .folder(let childID):
                guard let sub = folders[childID] else { continue }
                var nested: FolderListing?
                if recursive && depth < 1000 {
                    nested = try listing(
                        sub, path: prefix + name, recursive: true, includeFiles: includeFiles,
                        showDeleted: showDeleted, itemLimit: itemLimit, count: &count, depth: depth + 1)
                }
                entries.append(.folder(sub, path: prefix + name, listing: nested))
            case .file(let fileID):
                if includeFiles, let file = files[fileID] { entries.append(.file(file, path: prefix + name)) }
            }
        }
        if showDeleted && includeFiles {
            for file in files.values.filter({ $0.isDeleted && $0.parent == folder.id }).sorted(by: { $0.id < $1.id }) {
                entries.append(.file(file, path: prefix + file.name))
            }
        }
        return FolderListing(folder: folder, path: path, contents: entries)
    }

    // MARK: Changes

    /// Creates folder `name` in `parent`; returns the existing one (`created == false`) when allowed.
    func createFolder(
        named name: String, in parent: UInt64, allowExisting: Bool
    ) throws(PCloudFailure) -> (folder: DriveFolder, created: Bool) {
        try Drive.validate(name: name)
        var parentFolder = try self.folder(parent)
        if let existing = parentFolder.children[name] {
            if allowExisting, case .folder(let id) = existing, let folder = folders[id] {
                return (folder, false)
            }
            throw PCloudFailure(.exists)
        }
        let url = diskURL(ofFolder: parent).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        } catch {
            throw PCloudFailure(.internalError)
        }
        let now = Date()
        let folder = DriveFolder(id: takeID(), parent: parent, name: name, created: now, modified: now)
        folders[folder.id] = folder
        parentFolder.children[name] = .folder(folder.id)
        parentFolder.modified = now
        folders[parent] = parentFolder
        return (folder, true)
    }

    /// Deletes an empty folder (or, with `recursive`, a folder and everything in it).
    func deleteFolder(_ id: UInt64, recursive: Bool) throws(PCloudFailure) -> (DriveFolder, files: Int, folders: Int) {
        if id == 0 { throw PCloudFailure(.cannotDeleteRoot) }
        let folder = try self.folder(id)
        if !recursive && !folder.children.isEmpty { throw PCloudFailure(.folderNotEmpty) }
        let url = diskURL(ofFolder: id)
        var fileCount = 0
        var folderCount = 0
        markDeleted(folderID: id, files: &fileCount, folders: &folderCount)
        if let parent = folder.parent {
            folders[parent]?.children[folder.name] = nil
            folders[parent]?.modified = Date()
        }
        try? FileManager.default.removeItem(at: url)
        var result = folder
        result.isDeleted = true
        return (result, fileCount, folderCount)
    }

    private func markDeleted(folderID: UInt64, files fileCount: inout Int, folders folderCount: inout Int) {
        guard let folder = folders[folderID] else { return }
        for child in folder.children.values {
            switch child {
            case .folder(let id): markDeleted(folderID: id, files: &fileCount, folders: &folderCount)
            case .file(let id):
                files[id]?.isDeleted = true
                fileCount += 1
            }
        }
        folders[folderID]?.isDeleted = true
        folderCount += 1
    }

    /// Moves a file to the trash and removes its bytes from disk.
    func deleteFile(_ id: UInt64) throws(PCloudFailure) -> DriveFile {
        var file = try self.file(id)
        let url = diskURL(of: file)
        folders[file.parent]?.children[file.name] = nil
        folders[file.parent]?.modified = Date()
        file.isDeleted = true
        files[id] = file
        try? FileManager.default.removeItem(at: url)
        return file
    }

    /// Renames and/or moves a file; an existing file at the target is replaced (its id is returned).
    func renameFile(
        _ id: UInt64, toName: String?, toFolder: UInt64?
    ) throws(PCloudFailure) -> (file: DriveFile, replaced: UInt64?) {
        var file = try self.file(id)
        let name = toName ?? file.name
        try Drive.validate(name: name)
        let target = toFolder ?? file.parent
        let targetFolder = try self.folder(target)
        if target == file.parent && name == file.name { return (file, nil) }
        var replaced: UInt64?
        if let existing = targetFolder.children[name] {
            guard case .file(let existingID) = existing else { throw PCloudFailure(.exists) }
            replaced = existingID
            files[existingID]?.isDeleted = true
        }
        let from = diskURL(of: file)
        let to = diskURL(ofFolder: target).appendingPathComponent(name)
        do {
            if replaced != nil { try? FileManager.default.removeItem(at: to) }
            try FileManager.default.moveItem(at: from, to: to)
        } catch {
            throw PCloudFailure(.internalError)
        }
        folders[file.parent]?.children[file.name] = nil
        file.parent = target
        file.name = name
        folders[target]?.children[name] = .file(id)
        files[id] = file
        return (file, replaced)
    }

    /// A fresh temporary path inside folder `folderID` for an upload in progress.
    func temporaryUploadURL(in folderID: UInt64) throws(PCloudFailure) -> URL {
        _ = try folder(folderID)
        uploadCounter += 1
        return diskURL(ofFolder: folderID).appendingPathComponent(
            "\(Drive.temporaryPrefix)\(ProcessInfo.processInfo.processIdentifier)-\(uploadCounter)")
    }

    /// Moves a finished upload into place as `name` in `folderID`, overwriting a same-named file
    /// (keeping its id) unless `renameIfExists`.
    func commitUpload(
        temporary: URL, name requestedName: String, folderID: UInt64, size: Int64, checksums: FileChecksums,
        contentType: String?, mtime: Date?, ctime: Date?, renameIfExists: Bool
    ) throws(PCloudFailure) -> DriveFile {
        do { try Drive.validate(name: requestedName) } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        guard var parent = folders[folderID], !parent.isDeleted else {
            try? FileManager.default.removeItem(at: temporary)
            throw PCloudFailure(.folderMissing)
        }
        var name = requestedName
        if renameIfExists, parent.children[name] != nil {
            name = Drive.freeName(for: requestedName, in: parent)
        }
        let now = Date()
        var file: DriveFile
        switch parent.children[name] {
        case .folder:
            try? FileManager.default.removeItem(at: temporary)
            throw PCloudFailure(.exists)
        case .file(let existingID):
            file = files[existingID] ?? DriveFile(
                id: existingID, parent: folderID, name: name, size: 0, created: now, modified: now,
                contentType: "application/octet-stream")
            file.version += 1
        case nil:
            file = DriveFile(
                id: takeID(), parent: folderID, name: name, size: 0, created: ctime ?? now, modified: now,
                contentType: "application/octet-stream")
        }
        file.size = size
        file.modified = mtime ?? now
        if let ctime { file.created = ctime }
        file.contentType = contentType ?? ContentType.guess(forName: name)
        file.checksums = checksums
        file.isDeleted = false
        let destination = diskURL(ofFolder: folderID).appendingPathComponent(name)
        if rename(temporary.path, destination.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw PCloudFailure(PCloudResult(5001))
        }
        try? FileManager.default.setAttributes([.modificationDate: file.modified], ofItemAtPath: destination.path)
        files[file.id] = file
        parent.children[name] = .file(file.id)
        parent.modified = now
        folders[folderID] = parent
        return file
    }

    /// Stores computed checksums, unless the file changed meanwhile.
    package func remember(checksums: FileChecksums, forFile id: UInt64, version: UInt64) {
        guard files[id]?.version == version else { return }
        files[id]?.checksums = checksums
    }

    private func takeID() -> UInt64 {
        let id = nextID
        nextID += 1
        return id
    }

    private static func freeName(for name: String, in folder: DriveFolder) -> String {
        let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
        let stem = dot.map { String(name[..<$0]) } ?? name
        let ext = dot.map { String(name[$0...]) } ?? ""
        var n = 1
        while true {
            let candidate = "\(stem) (\(n))\(ext)"
            if folder.children[candidate] == nil { return candidate }
            n += 1
        }
    }

    static func validate(name: String) throws(PCloudFailure) {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\0")
            || name.hasPrefix(temporaryPrefix) || name.utf8.count > 255
        {
            throw PCloudFailure(.invalidName)
        }
    }
}

/// Failures setting up the drive.
package enum DriveError: Error, Sendable {
    /// The root folder does not exist or is not a folder.
    case rootMissing(String)
}
