import Testing
@testable import DuplicatiFormat

@Suite struct BlockLayoutTests {
    @Test func countsBlocks() {
        #expect(BlockLayout.blockCount(size: 0, blocksize: 1024) == 0)
        #expect(BlockLayout.blockCount(size: -5, blocksize: 1024) == 0)
        #expect(BlockLayout.blockCount(size: 1, blocksize: 1024) == 1)
        #expect(BlockLayout.blockCount(size: 1024, blocksize: 1024) == 1)
        #expect(BlockLayout.blockCount(size: 1025, blocksize: 1024) == 2)
        #expect(BlockLayout.blockCount(size: 34_916, blocksize: 1024) == 35)
        #expect(BlockLayout.blockCount(size: .max, blocksize: 1024) == Int(Int64.max / 1024 + 1))
    }

    @Test func countsHashesPerBlocklist() {
        #expect(BlockLayout.hashesPerBlocklist(blocksize: 1_048_576, hashSize: 32) == 32_768)
        #expect(BlockLayout.hashesPerBlocklist(blocksize: 102_400, hashSize: 32) == 3_200)
        #expect(BlockLayout.hashesPerBlocklist(blocksize: 102_400, hashSize: 48) == 2_133)
        #expect(BlockLayout.hashesPerBlocklist(blocksize: 1024, hashSize: 32) == 32)
    }

    @Test func countsBlocklists() {
        // §6.2 example: 35 blocks → one list of 32 and one of 3.
        #expect(BlockLayout.blocklistCount(size: 34_916, blocksize: 1024, hashSize: 32) == 2)
        #expect(BlockLayout.blocklistCount(size: 1024, blocksize: 1024, hashSize: 32) == 0)
        #expect(BlockLayout.blocklistCount(size: 1025, blocksize: 1024, hashSize: 32) == 1)
        #expect(BlockLayout.blocklistCount(size: 32 * 1024, blocksize: 1024, hashSize: 32) == 1)
        #expect(BlockLayout.blocklistCount(size: 32 * 1024 + 1, blocksize: 1024, hashSize: 32) == 2)
    }

    @Test func givesBlockLengths() {
        #expect(BlockLayout.blockLength(index: 0, size: 34_916, blocksize: 1024) == 1024)
        #expect(BlockLayout.blockLength(index: 34, size: 34_916, blocksize: 1024) == 100)
        #expect(BlockLayout.blockLength(index: 35, size: 34_916, blocksize: 1024) == nil)
        #expect(BlockLayout.blockLength(index: -1, size: 34_916, blocksize: 1024) == nil)
        #expect(BlockLayout.blockLength(index: 0, size: 0, blocksize: 1024) == nil)
    }
}
