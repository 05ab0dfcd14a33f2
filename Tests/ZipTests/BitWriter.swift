/// Packs a DEFLATE bit stream: fields least significant bit first, Huffman codes most significant first.
struct BitWriter {
    private var bytes: [UInt8] = []
    private var current: UInt8 = 0
    private var used = 0

    mutating func write(_ value: UInt32, count: Int) {
        for bit in 0..<count { push(UInt8((value >> UInt32(bit)) & 1)) }
    }

    mutating func writeCode(_ code: UInt32, length: Int) {
        for bit in stride(from: length - 1, through: 0, by: -1) { push(UInt8((code >> UInt32(bit)) & 1)) }
    }

    mutating func finish() -> [UInt8] {
        if used > 0 { bytes.append(current) }
        return bytes
    }

    private mutating func push(_ bit: UInt8) {
        current |= bit << UInt8(used)
        used += 1
        if used == 8 {
            bytes.append(current)
            current = 0
            used = 0
        }
    }
}
