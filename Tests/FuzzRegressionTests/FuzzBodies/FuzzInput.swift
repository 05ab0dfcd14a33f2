/// A fuzz input read from the front: parameters first, then the payload. Reading past the end
/// yields zeros, so every input, however short, is a valid set of parameters.
package struct FuzzInput {
    private var bytes: ArraySlice<UInt8>

    /// - Parameter bytes: the whole input.
    package init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
    }

    /// The next byte, or 0 when none is left.
    package mutating func byte() -> UInt8 {
        bytes.popFirst() ?? 0
    }

    /// The next four bytes as a little-endian number (missing bytes count as 0).
    package mutating func uint32() -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, shift in value | UInt32(byte()) << (8 * UInt32(shift)) }
    }

    /// Everything not read yet; the input is then empty.
    package mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }
}
