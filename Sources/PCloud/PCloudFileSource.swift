import ByteSource
import Storage

/// One pCloud file read by byte ranges: each read is one ranged GET on a content host (plus a
/// `getfilelink` when no fresh link is cached). Safe to use from several threads at once.
package final class PCloudFileSource: ByteSource {
    /// The file's size as listed.
    package let size: Int64
    private let store: PCloudStore
    private let name: String
    private let fileID: UInt64

    init(store: PCloudStore, name: String, fileID: UInt64, size: Int64) {
        self.store = store
        self.name = name
        self.fileID = fileID
        self.size = size
    }

    package func read(at offset: Int64, count: Int) throws(StorageError) -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        let wanted = Int(min(Int64(count), size - offset))
        do throws(PCloudError) {
            return try store.api.retrying("read \(name)") { _ throws(PCloudError) in
                let link = try currentLink()
                do throws(PCloudError) {
                    return try store.api.readRange(link, offset: offset, count: wanted, size: size)
                } catch {
                    if case .staleLink = error { store.links.invalidate(link, for: fileID) }
                    throw error
                }
            }
        } catch {
            if case .rangeNotSatisfiable = error {
                throw StorageError.shortRead(name: name, offset: offset, expected: wanted, got: 0)
            }
            throw PCloudStore.storageError(error, configuration: store.configuration, subject: name)
        }
    }

    private func currentLink() throws(PCloudError) -> FileLink {
        if let link = store.links.link(for: fileID) { return link }
        let link = try store.api.fileLink(fileID)
        store.links.store(link, for: fileID)
        return link
    }
}
