import Testing

@testable import TestSupport

@Suite struct SampleBackupTests {
    func entry(_ tree: [FixtureEntry], _ relative: String) -> FixtureEntry? {
        let key = Array((SampleBackup.root + "/" + relative).utf8)
        return tree.first { Array($0.path.utf8) == key }
    }

    @Test func versionsAreDeterministic() {
        let a = SampleBackup.versions()
        let b = SampleBackup.versions()
        #expect(a.count == 3)
        for (x, y) in zip(a, b) {
            #expect(x.map(\.pathBytes) == y.map(\.pathBytes))
            #expect(x.map { $0.fileBytes ?? [] } == y.map { $0.fileBytes ?? [] })
            #expect(x.map(\.mtimeNanoseconds) == y.map(\.mtimeNanoseconds))
        }
    }

    @Test func treeCoversTheBlockEdgeCases() throws {
        let v1 = SampleBackup.versions()[0]
        #expect(entry(v1, "empty.txt")?.fileBytes == [])
        #expect(entry(v1, "one-block.bin")?.fileBytes?.count == 1024)
        #expect(entry(v1, "block-minus-one.bin")?.fileBytes?.count == 1023)
        #expect(entry(v1, "block-plus-one.bin")?.fileBytes?.count == 1025)
        #expect(entry(v1, "hpb-blocks.bin")?.fileBytes?.count == 32 * 1024)
        #expect(entry(v1, "big.bin")?.fileBytes?.count == 69 * 1024 + 17)
        #expect(entry(v1, "dup-a.bin")?.fileBytes == entry(v1, "docs/dup-b.bin")?.fileBytes)
        #expect(entry(v1, "caf\u{E9}.txt")?.fileBytes != entry(v1, "cafe\u{301}.txt")?.fileBytes)
        #expect(Set(v1.map(\.mode)).isSuperset(of: [0o600, 0o755, 0o444, 0o644, 0o700]))
        #expect(v1.allSatisfy { $0.mtimeNanoseconds % 100 == 0 && $0.mtimeNanoseconds >= 0 })
        #expect(v1.contains { $0.mtimeNanoseconds != 0 })
        let paths = v1.map(\.pathBytes)
        #expect(Set(paths).count == paths.count)
        #expect(v1.allSatisfy { $0.path == SampleBackup.root || $0.path.hasPrefix(SampleBackup.root + "/") })
    }

    @Test func versionsDifferAsDocumented() throws {
        let versions = SampleBackup.versions()
        let (v1, v2, v3) = (versions[0], versions[1], versions[2])
        #expect(entry(v2, "block-minus-one.bin") == nil)
        #expect(entry(v2, "docs/added-in-v2.txt") != nil && entry(v1, "docs/added-in-v2.txt") == nil)
        #expect(entry(v1, "README.txt")?.fileBytes != entry(v2, "README.txt")?.fileBytes)
        let unchanged = try #require(entry(v1, "one-block.bin"))
        let later = try #require(entry(v3, "one-block.bin"))
        #expect(unchanged.mtimeSeconds == later.mtimeSeconds && unchanged.fileBytes == later.fileBytes)
        #expect(entry(v1, "mtime-only.txt")?.fileBytes == entry(v2, "mtime-only.txt")?.fileBytes)
        #expect(entry(v1, "mtime-only.txt")?.mtimeSeconds != entry(v2, "mtime-only.txt")?.mtimeSeconds)
        #expect(entry(v2, "secret.txt")?.mode == 0o640)
        #expect(entry(v3, "dup-a.bin") == nil)
        #expect(entry(v3, "hpb-blocks.bin")?.fileBytes?.count == 32 * 1024 + 1)
        #expect(entry(v2, "morph")?.fileBytes != nil && entry(v3, "morph")?.isFolder == true)
        #expect(entry(v3, "link-dangling")?.symlinkTarget == "README.txt")
    }

    @Test func largeBlocksizeKeepsTheSampleSmall() {
        let v1 = SampleBackup.versions(blocksize: 102_400)[0]
        let total = v1.reduce(0) { $0 + ($1.fileBytes?.count ?? 0) }
        #expect(total < 4 << 20)
    }
}
