import BackupFS
import Testing

/// Inode numbers: entries of versions and the `history/` folders never share one.
struct InodeLayoutTests {
    @Test func historyFoldersAndEntriesNeverCollide() {
        for key: UInt64 in [1, 700_000_000, UInt64(Int32.max)] {
            for id: Int64 in [0, 1, 41, 1 << 31, (1 << 32) - 2] {
                let entry = InodeLayout.inode(versionKey: key, entryID: id)
                let folder = InodeLayout.historyFolder(versionKey: key, entryID: id)
                #expect(entry != folder)
                #expect(InodeLayout.split(entry)! == (key, id))
                #expect(InodeLayout.splitHistory(folder)! == (key, id))
                #expect(InodeLayout.split(folder) == nil, "a history folder is no entry")
                #expect(InodeLayout.splitHistory(entry) == nil, "an entry is no history folder")
            }
        }
        for special in [InodeLayout.root, InodeLayout.latest, InodeLayout.historyRoot] {
            #expect(InodeLayout.split(special) == nil && InodeLayout.splitHistory(special) == nil)
        }
        #expect(Set([InodeLayout.root, InodeLayout.latest, InodeLayout.historyRoot]).count == 3)
    }
}
