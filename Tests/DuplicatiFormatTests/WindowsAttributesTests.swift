import DuplicatiFormat
import Testing

@Suite struct WindowsAttributesTests {
    @Test func namesAndNumbersAreBothRead() {
        #expect(WindowsAttributes(text: "ReadOnly, Archive") == [.readOnly, .archive])
        #expect(WindowsAttributes(text: "readonly,hidden,System") == [.readOnly, .hidden, .system])
        #expect(WindowsAttributes(text: "Normal")?.contains(.readOnly) == false)
        #expect(WindowsAttributes(text: "33") == [.readOnly, .archive])
        #expect(WindowsAttributes(text: "Hidden, Directory") == [.hidden, .directory])
        #expect(WindowsAttributes(text: "") == nil)
        #expect(WindowsAttributes(text: "ReadOnly, Sideways") == nil)
    }

    @Test func readOnlyRemovesEveryWriteBitOfFilesOnly() {
        let locked = WindowsAttributes(text: "ReadOnly, Archive")!
        #expect(locked.permissions(folder: false, symlink: false) == 0o444)
        #expect(WindowsAttributes(text: "Archive")!.permissions(folder: false, symlink: false) == 0o644)
        // Windows ignores ReadOnly on folders (it marks customized ones).
        #expect(WindowsAttributes(text: "ReadOnly, Directory")!.permissions(folder: true, symlink: false) == 0o755)
        // Hidden, System and Archive have no POSIX meaning.
        #expect(WindowsAttributes(text: "Hidden, System, Archive")!.permissions(folder: false, symlink: false) == 0o644)
        #expect(WindowsAttributes(text: "ReparsePoint")!.permissions(folder: false, symlink: true) == 0o777)
    }

    @Test func metadataBlobCarriesTheDecodedAttributes() throws {
        let blob = Array("\u{FEFF}{\"CoreAttributes\":\"ReadOnly, Archive\",\"CoreLastWritetime\":\"638000000000000000\"}".utf8)
        let meta = try EntryMetadata.parse(blob)
        #expect(meta.windowsAttributes == [.readOnly, .archive])
        #expect(meta.permissions == nil)
    }
}
