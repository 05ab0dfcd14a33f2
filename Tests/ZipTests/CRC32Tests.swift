import Testing
import Zip

@Suite("CRC32")
struct CRC32Tests {
    @Test("matches the standard check value")
    func matchesCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test("continuing from a previous value equals one pass")
    func continuingEqualsOnePass() {
        let data = TestBytes.random(10_000, seed: 9)
        let first = CRC32.checksum(Array(data[..<3333]))
        #expect(CRC32.checksum(Array(data[3333...]), initial: first) == CRC32.checksum(data))
    }
}
