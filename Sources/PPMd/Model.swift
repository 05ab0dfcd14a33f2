#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A secondary escape estimator: an adaptive mean of escape frequencies for contexts alike in
/// size, fill and flags (Shkarin's SEE).
struct SEEContext {
    var sum: UInt16
    var shift: UInt8
    var count: UInt8

    /// Slows adaptation down as the context proves itself: after `count` uses the mean is kept
    /// at twice the resolution.
    mutating func update() {
        guard shift < Model.periodBits else { return }
        count &-= 1
        if count == 0 {
            sum &<<= 1
            count = 3 &<< shift
            shift += 1
        }
    }
}

/// The PPMd variant I (revision 1) model shared by ``PPMdEncoder`` and ``PPMdDecoder``: a tree
/// of contexts in one block of memory, addressed by 32-bit byte offsets, with its own
/// allocator of 12-byte units. Both sides must make exactly the same model changes, memory
/// exhaustion included, so allocation is part of the format and follows Shkarin's rules.
///
/// Memory layout (offsets from `base`; offset 0 is never a record and means "none"):
/// - a text area from `textStart` up to `unitsStart`, holding recent symbols; a successor
///   below `unitsStart` points into it ("not yet a context").
/// - units from `unitsStart` to the end: contexts, state arrays and free blocks.
///
/// Records:
/// - context (12 bytes): symbol count − 1 (u8), flags (u8), frequency sum (u16), states (u32),
///   suffix (u32). A context with one symbol keeps that state in place of sum and states.
/// - state (6 bytes): symbol (u8), frequency (u8), successor (u32, unaligned).
/// - free block (12 bytes per unit): stamp (u32, all ones), next (u32), units (u32).
final class Model {
    static let unitSize: UInt32 = 12
    static let stateSize: UInt32 = 6
    static let maxFrequency: UInt32 = 124
    static let indexCount = 38
    static let periodBits: UInt8 = 7
    static let binaryScale: UInt32 = 1 << 14
    static let emptyStamp: UInt32 = 0xFFFF_FFFF
    static let textStart: UInt32 = 4
    static let seeDummy = 24 * 32
    static let initialBinaryEscapes: [UInt16] = [0x3CDD, 0x1F3F, 0x59BF, 0x48F3, 0x64A1, 0x5ABC, 0x6632, 0x6051]
    static let expEscape: [UInt8] = [25, 14, 9, 7, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2]

    let size: UInt32
    let maxOrder: UInt32
    let restoreMethod: PPMdParameters.RestoreMethod
    let base: UnsafeMutableRawPointer

    // The allocator's tables and state.
    let indexToUnits: UnsafeMutablePointer<UInt32>
    let unitsToIndex: UnsafeMutablePointer<UInt8>
    let freeList: UnsafeMutablePointer<UInt32>
    let stamps: UnsafeMutablePointer<UInt32>
    var glueCount: UInt32 = 0
    var loUnit: UInt32 = 0
    var hiUnit: UInt32 = 0
    var text: UInt32 = 0
    var unitsStart: UInt32 = 0

    // The model's tables and state.
    let countToBinaryIndex: UnsafeMutablePointer<UInt8>
    let countToIndex: UnsafeMutablePointer<UInt8>
    let see: UnsafeMutablePointer<SEEContext>
    let binarySums: UnsafeMutablePointer<UInt16>
    /// Scratch for ``createSuccessors``: states waiting for a new child context.
    let pending: UnsafeMutablePointer<UInt32>
    var minContext: UInt32 = 0
    var maxContext: UInt32 = 0
    var foundState: UInt32 = 0
    var orderFall: UInt32 = 0
    var initEscape: UInt32 = 0
    var prevSuccess: UInt32 = 0
    var runLength: Int32 = 0
    var initRunLength: Int32 = 0

    /// Makes the model in its starting state.
    /// - Throws: `PPMdError.outOfMemory` when the memory cannot be had.
    init(_ parameters: PPMdParameters) throws(PPMdError) {
        size = parameters.memoryBytes
        maxOrder = UInt32(parameters.order)
        restoreMethod = parameters.restoreMethod
        // calloc: large blocks come as fresh zero pages, touched only as the model grows.
        // The slack after the end covers the guard stamp written at `loUnit`.
        guard let memory = calloc(Int(Self.textStart + size) + 64, 1) else {
            throw .outOfMemory(Int(size))
        }
        base = memory
        indexToUnits = .allocate(capacity: Self.indexCount)
        unitsToIndex = .allocate(capacity: 128)
        freeList = .allocate(capacity: Self.indexCount)
        stamps = .allocate(capacity: Self.indexCount)
        countToBinaryIndex = .allocate(capacity: 256)
        countToIndex = .allocate(capacity: 260)
        see = .allocate(capacity: Self.seeDummy + 1)
        binarySums = .allocate(capacity: 25 * 64)
        pending = .allocate(capacity: 256)
        makeTables()
        restart()
        see[Self.seeDummy] = SEEContext(sum: 0, shift: Self.periodBits, count: 64)
    }

    deinit {
        free(base)
        indexToUnits.deallocate()
        unitsToIndex.deallocate()
        freeList.deallocate()
        stamps.deallocate()
        countToBinaryIndex.deallocate()
        countToIndex.deallocate()
        see.deallocate()
        binarySums.deallocate()
        pending.deallocate()
    }

    private func makeTables() {
        // Block sizes in units: 1–4 by one, to 12 by two, to 24 by three, to 128 by four.
        var units = 0
        for index in 0..<Self.indexCount {
            let step = index >= 12 ? 4 : (index >> 2) + 1
            for _ in 0..<step {
                unitsToIndex[units] = UInt8(index)
                units += 1
            }
            indexToUnits[index] = UInt32(units)
        }
        countToBinaryIndex[0] = 0
        countToBinaryIndex[1] = 2
        for count in 2..<11 { countToBinaryIndex[count] = 4 }
        for count in 11..<256 { countToBinaryIndex[count] = 6 }
        for count in 0..<5 { countToIndex[count] = UInt8(count) }
        var value = 5
        var left = 1
        for count in 5..<260 {
            countToIndex[count] = UInt8(value)
            left -= 1
            if left == 0 {
                value += 1
                left = value - 4
            }
        }
    }

    /// The model as it starts: an order-0 context holding all 256 symbols once, and fresh
    /// binary and SEE estimates.
    func restart() {
        for index in 0..<Self.indexCount {
            freeList[index] = 0
            stamps[index] = 0
        }
        text = Self.textStart
        hiUnit = text + size
        loUnit = hiUnit - size / 8 / Self.unitSize * 7 * Self.unitSize
        unitsStart = loUnit
        glueCount = 0

        orderFall = maxOrder
        initRunLength = -Int32(min(maxOrder, 12)) - 1
        runLength = initRunLength
        prevSuccess = 0

        hiUnit -= Self.unitSize
        let root = hiUnit
        minContext = root
        maxContext = root
        setSuffix(root, 0)
        setNumStats(root, 255)
        setFlags(root, 0)
        setSummFreq(root, 257)
        let states = loUnit
        loUnit += 256 / 2 * Self.unitSize
        setStats(root, states)
        foundState = states
        for symbol in 0..<256 {
            let state = states + UInt32(symbol) * Self.stateSize
            setSymbol(state, UInt8(symbol))
            setFreq(state, 1)
            setSuccessor(state, 0)
        }

        var count = 0
        for row in 0..<25 {
            while countToIndex[count] == row { count += 1 }
            for column in 0..<8 {
                let value = UInt16(Self.binaryScale - UInt32(Self.initialBinaryEscapes[column]) / UInt32(count + 1))
                for step in stride(from: 0, to: 64, by: 8) { binarySums[row * 64 + column + step] = value }
            }
        }
        count = 0
        for row in 0..<24 {
            while countToIndex[count + 3] == row + 3 { count += 1 }
            for column in 0..<32 {
                see[row * 32 + column] = SEEContext(
                    sum: UInt16((2 * count + 5) << (Int(Self.periodBits) - 4)), shift: Self.periodBits - 4, count: 7)
            }
        }
    }

    // MARK: Memory access

    @inline(__always) func byte(_ offset: UInt32) -> UInt8 { base.load(fromByteOffset: Int(offset), as: UInt8.self) }
    @inline(__always) func setByte(_ offset: UInt32, _ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: Int(offset), as: UInt8.self)
    }
    @inline(__always) func word16(_ offset: UInt32) -> UInt16 {
        base.loadUnaligned(fromByteOffset: Int(offset), as: UInt16.self)
    }
    @inline(__always) func setWord16(_ offset: UInt32, _ value: UInt16) {
        base.storeBytes(of: value, toByteOffset: Int(offset), as: UInt16.self)
    }
    @inline(__always) func word32(_ offset: UInt32) -> UInt32 {
        base.loadUnaligned(fromByteOffset: Int(offset), as: UInt32.self)
    }
    @inline(__always) func setWord32(_ offset: UInt32, _ value: UInt32) {
        base.storeBytes(of: value, toByteOffset: Int(offset), as: UInt32.self)
    }
    /// Copies `units` units from `source` to `target` (they never overlap).
    @inline(__always) func copyUnits(to target: UInt32, from source: UInt32, units: UInt32) {
        (base + Int(target)).copyMemory(from: base + Int(source), byteCount: Int(units * Self.unitSize))
    }

    // Context fields.
    @inline(__always) func numStats(_ context: UInt32) -> UInt32 { UInt32(byte(context)) }
    @inline(__always) func setNumStats(_ context: UInt32, _ value: UInt32) {
        setByte(context, UInt8(truncatingIfNeeded: value))
    }
    @inline(__always) func flags(_ context: UInt32) -> UInt32 { UInt32(byte(context + 1)) }
    @inline(__always) func setFlags(_ context: UInt32, _ value: UInt32) {
        setByte(context + 1, UInt8(truncatingIfNeeded: value))
    }
    @inline(__always) func summFreq(_ context: UInt32) -> UInt32 { UInt32(word16(context + 2)) }
    @inline(__always) func setSummFreq(_ context: UInt32, _ value: UInt32) {
        setWord16(context + 2, UInt16(truncatingIfNeeded: value))
    }
    @inline(__always) func stats(_ context: UInt32) -> UInt32 { word32(context + 4) }
    @inline(__always) func setStats(_ context: UInt32, _ value: UInt32) { setWord32(context + 4, value) }
    @inline(__always) func suffix(_ context: UInt32) -> UInt32 { word32(context + 8) }
    @inline(__always) func setSuffix(_ context: UInt32, _ value: UInt32) { setWord32(context + 8, value) }
    /// The single state of a context with one symbol, kept inside the context.
    @inline(__always) func oneState(_ context: UInt32) -> UInt32 { context + 2 }

    // State fields.
    @inline(__always) func symbol(_ state: UInt32) -> UInt32 { UInt32(byte(state)) }
    @inline(__always) func setSymbol(_ state: UInt32, _ value: UInt8) { setByte(state, value) }
    @inline(__always) func freq(_ state: UInt32) -> UInt32 { UInt32(byte(state + 1)) }
    @inline(__always) func setFreq(_ state: UInt32, _ value: UInt32) {
        setByte(state + 1, UInt8(truncatingIfNeeded: value))
    }
    @inline(__always) func successor(_ state: UInt32) -> UInt32 { word32(state + 2) }
    @inline(__always) func setSuccessor(_ state: UInt32, _ value: UInt32) { setWord32(state + 2, value) }
    /// Copies a whole 6-byte state.
    @inline(__always) func copyState(to target: UInt32, from source: UInt32) {
        setWord32(target, word32(source))
        setWord16(target + 4, word16(source + 4))
    }
    @inline(__always) func swapStates(_ first: UInt32, _ second: UInt32) {
        let low = word32(first)
        let high = word16(first + 4)
        copyState(to: first, from: second)
        setWord32(second, low)
        setWord16(second + 4, high)
    }
    /// The flag bit (0x08) a context carries when one of its symbols is 0x40 or above.
    @inline(__always) static func highFlag(_ symbol: UInt32) -> UInt32 { symbol >= 0x40 ? 0x08 : 0 }
}
