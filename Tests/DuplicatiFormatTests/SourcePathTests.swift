import Testing
@testable import DuplicatiFormat

@Suite struct SourcePathTests {
    @Test func mapsUnixPaths() {
        #expect(SourcePath.components(of: "/data/x") == ["data", "x"])
        #expect(SourcePath.components(of: "/data/dir/") == ["data", "dir"])
        #expect(SourcePath.components(of: "/") == [])
        #expect(SourcePath.components(of: "//data/./x//") == ["data", "x"])
        #expect(SourcePath.components(of: "/a\\b/c") == ["a\\b", "c"])          // '\' is a name character
        #expect(SourcePath.components(of: "/...") == ["..."])
        #expect(SourcePath.components(of: "/.hidden/..x") == [".hidden", "..x"])
    }

    @Test func mapsWindowsPaths() {
        #expect(SourcePath.components(of: "C:\\Users\\ann\\x") == ["C", "Users", "ann", "x"])
        #expect(SourcePath.components(of: "C:\\") == ["C"])
        #expect(SourcePath.components(of: "d:\\Dir\\") == ["d", "Dir"])
        #expect(SourcePath.components(of: "C:\\a\\\\.\\b") == ["C", "a", "b"])
        #expect(SourcePath.components(of: "\\\\server\\share\\x") == ["UNC", "server", "share", "x"])
        #expect(SourcePath.components(of: "\\\\server\\share\\") == ["UNC", "server", "share"])
        #expect(SourcePath.components(of: "\\\\?\\C:\\long\\x") == ["C", "long", "x"])
        #expect(SourcePath.components(of: "\\\\?\\UNC\\server\\share\\x") == ["UNC", "server", "share", "x"])
    }

    @Test func refusesEscapesAndRelativePaths() {
        let refused = [
            "", "data/x", "x", ".", "..", "./x", "C:", "C:x", "C:/x", "1:\\x", "\\x", "\\\\", "\\\\\\x",
            "/data/../etc", "/..", "/a/..", "/a\u{0}b", "C:\\..\\x", "C:\\a\\..", "C:\\a/b\\c",
            "\\\\server\\..\\x", "\\\\..\\share", "\\\\.\\C:\\x", "\\\\server\\\\x", "\\\\?\\UNC\\..\\s",
            "\\\\?\\relative", "C:\\a\u{0}",
        ]
        for path in refused {
            #expect(SourcePath.components(of: path) == nil, "\(path.debugDescription)")
        }
    }

    @Test func splitsOnBytesNotCharacters() {
        // "/" followed by a combining mark is one Character but still a separator.
        #expect(SourcePath.components(of: "/a/\u{338}b") == ["a", "\u{338}b"])
        #expect(SourcePath.components(of: "/a/..\u{301}")?.last.map { Array($0.utf8) } == [0x2E, 0x2E, 0xCC, 0x81])
        #expect(SourcePath.isFolder("/a/\u{338}") == false)
        #expect(SourcePath.isFolder("/a/b\u{301}/") == true)
    }

    @Test func tellsFoldersByTrailingSeparator() {
        #expect(SourcePath.isFolder("/data/dir/"))
        #expect(SourcePath.isFolder("/"))
        #expect(!SourcePath.isFolder("/data/x"))
        #expect(SourcePath.isFolder("C:\\dir\\"))
        #expect(!SourcePath.isFolder("C:\\dir"))
        #expect(!SourcePath.isFolder("C:\\dir/"))      // Windows style: '/' is not its separator
        #expect(!SourcePath.isFolder(""))
        #expect(SourcePath.separator(of: "/x") == "/")
        #expect(SourcePath.separator(of: "C:\\x") == "\\")
    }
}
