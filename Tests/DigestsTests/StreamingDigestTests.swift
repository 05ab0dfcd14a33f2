import Testing

import Digests

@Suite struct StreamingDigestTests {
    @Test(arguments: HashAlgorithm.allCases)
    func streamingInPiecesEqualsOneShot(algorithm: HashAlgorithm) {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for pieceSize in [1, 7, 64, 1000, 10_000] {
            let digest = algorithm.makeDigest()
            var offset = 0
            while offset < message.count {
                let end = min(offset + pieceSize, message.count)
                if pieceSize == 7 {
                    message[offset..<end].withUnsafeBytes { digest.update($0) }
                } else {
                    digest.update(Array(message[offset..<end]))
                }
                offset = end
            }
            #expect(digest.finalize() == algorithm.digest(message), "\(algorithm) piece \(pieceSize)")
        }
    }

    @Test func finalizeRestartsWithAnEmptyMessage() {
        let digest = HashAlgorithm.sha256.makeDigest()
        digest.update(Array("abc".utf8))
        #expect(hex(digest.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(digest.finalize() == HashAlgorithm.sha256.digest([]))
        digest.update([])
        digest.update(Array("abc".utf8))
        #expect(digest.finalize() == HashAlgorithm.sha256.digest(Array("abc".utf8)))
    }
}
