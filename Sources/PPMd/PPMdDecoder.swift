/// Decodes a PPMd variant I (revision 1) stream: Shkarin's model with Subbotin's carry-less
/// range coder, as 7-Zip's Ppmd8 and SharpCompress's PPMd I1 write it (zip method 98, after
/// the property word).
///
/// The decoder pulls bytes from the buffer each call gives it. A symbol reads at most a few
/// dozen bytes, so a caller that streams keeps at least ``symbolMargin`` bytes ahead unless
/// the buffer holds the stream's end; bytes wanted beyond a buffer's end read as zero and
/// mark the stream truncated.
package final class PPMdDecoder {
    /// More than any one symbol (or the end mark) can read: an escape per order (at most 17)
    /// and a few bytes of renormalisation each.
    package static let symbolMargin = 256

    private let model: Model
    private var range: UInt32 = 0xFFFF_FFFF
    private var code: UInt32 = 0
    private var low: UInt32 = 0
    private var started = false
    /// Symbols already ruled out in this symbol's escapes: `mask[symbol] == generation`.
    private let mask: UnsafeMutablePointer<UInt8>
    private var generation: UInt8 = 0
    /// Unmasked states of the context being decoded after an escape.
    private let candidates: UnsafeMutablePointer<UInt32>

    // The buffer of the current call.
    private var input: UnsafePointer<UInt8>?
    private var inputCount = 0
    private var position = 0
    /// Whether a read went past the buffer's end.
    package private(set) var overran = false

    /// - Throws: `PPMdError.outOfMemory`.
    package init(parameters: PPMdParameters) throws(PPMdError) {
        model = try Model(parameters)
        mask = .allocate(capacity: 256)
        mask.initialize(repeating: 0, count: 256)
        candidates = .allocate(capacity: 256)
    }

    deinit {
        mask.deallocate()
        candidates.deallocate()
    }

    /// Decodes symbols into `output` until it is full, or until fewer than
    /// ``symbolMargin`` unread bytes are left when `isLast` is false.
    /// - Parameters:
    ///   - input: compressed bytes; those not consumed must be given again, first, next time.
    ///   - isLast: `input` runs to the end of the compressed data.
    ///   - output: where symbols go.
    /// - Returns: bytes of `input` consumed and of `output` written.
    /// - Throws: `PPMdError.corrupt` when the stream holds a code no encoder writes or ends
    ///   (end mark) before `output` is full, `.truncated` when it needs bytes past the end.
    package func decode(
        _ input: UnsafeRawBufferPointer, isLast: Bool, into output: UnsafeMutableRawBufferPointer
    ) throws(PPMdError) -> (consumed: Int, produced: Int) {
        begin(input)
        defer { end() }
        var produced = 0
        guard let target = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return (0, 0) }
        if !started {
            guard isLast || inputCount >= Self.symbolMargin else { return (0, 0) }
            try start()
        }
        while produced < output.count {
            guard isLast || inputCount - position >= Self.symbolMargin else { break }
            let symbol = decodeSymbol()
            if overran { throw .truncated }
            if symbol < 0 {
                throw .corrupt(symbol == -1 ? "the end mark comes before the declared size" : "a code outside its context's range")
            }
            target[produced] = UInt8(symbol)
            produced += 1
        }
        return (position, produced)
    }

    /// Decodes the end mark that must follow the last symbol, and checks the range coder
    /// ends exactly there.
    /// - Parameter input: the rest of the compressed data, all of it.
    /// - Returns: bytes consumed; the caller checks nothing follows.
    /// - Throws: `PPMdError.corrupt` when another symbol, or no clean end, comes instead.
    package func finish(_ input: UnsafeRawBufferPointer) throws(PPMdError) -> Int {
        begin(input)
        defer { end() }
        if !started { try start() }
        let symbol = decodeSymbol()
        if overran { throw .truncated }
        guard symbol == -1 else {
            throw .corrupt(symbol >= 0 ? "more data than the declared size" : "a code outside its context's range")
        }
        // The encoder's flush writes the coder's low end: the code left over is zero.
        guard code == 0 else { throw .corrupt("the range coder does not end cleanly after the end mark") }
        return position
    }

    private func begin(_ buffer: UnsafeRawBufferPointer) {
        input = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        inputCount = buffer.count
        position = 0
    }

    private func end() {
        input = nil
        inputCount = 0
    }

    private func start() throws(PPMdError) {
        started = true
        for _ in 0..<4 { code = code << 8 | UInt32(nextByte()) }
        if overran { throw .truncated }
        guard code != 0xFFFF_FFFF else { throw .corrupt("the range coder starts with FF FF FF FF") }
    }

    @inline(__always) private func nextByte() -> UInt8 {
        guard position < inputCount, let input else {
            overran = true
            return 0
        }
        let value = input[position]
        position += 1
        return value
    }

    // MARK: Range decoder

    @inline(__always) private func threshold(_ total: UInt32) -> UInt32 {
        range /= total
        return code / range
    }

    @inline(__always) private func consume(start: UInt32, size: UInt32) {
        let offset = start &* range
        low &+= offset
        code &-= offset
        range &*= size
        normalize()
    }

    @inline(__always) private func normalize() {
        while true {
            if (low ^ (low &+ range)) >= 1 << 24 {
                guard range < 1 << 15 else { return }
                // Carry-less: shrink the range to the next 2^15 boundary rather than carry.
                range = (0 &- low) & (1 << 15 - 1)
            }
            code = code << 8 | UInt32(nextByte())
            range <<= 8
            low <<= 8
        }
    }

    // MARK: Symbols

    /// - Returns: the symbol, -1 for the end mark, -2 for a code no encoder writes.
    private func decodeSymbol() -> Int {
        let model = self.model
        generation &+= 1
        if generation == 0 {
            mask.update(repeating: 0, count: 256)
            generation = 1
        }
        let marked = generation
        var context = model.minContext
        if model.numStats(context) != 0 {
            var state = model.stats(context)
            let total = model.summFreq(context)
            let count = threshold(total)
            var high = model.freq(state)
            if count < high {
                consume(start: 0, size: high)
                model.foundState = state
                let symbol = model.symbol(state)
                model.updateFirst()
                return Int(symbol)
            }
            model.prevSuccess = 0
            for _ in 0..<model.numStats(context) {
                state += Model.stateSize
                let frequency = model.freq(state)
                high += frequency
                if high > count {
                    consume(start: high - frequency, size: frequency)
                    model.foundState = state
                    let symbol = model.symbol(state)
                    model.updateOther()
                    return Int(symbol)
                }
            }
            if count >= total { return -2 }
            consume(start: high, size: total - high)
            let first = model.stats(context)
            for index in 0...model.numStats(context) {
                mask[Int(model.symbol(first + index * Model.stateSize))] = marked
            }
        } else {
            let probability = Int(model.binarySumIndex())
            let sum = UInt32(model.binarySums[probability])
            range >>= 14
            if code / range < sum {
                consume(start: 0, size: sum)
                model.binarySums[probability] = UInt16(sum + 128 - ((sum + 32) >> 7))
                model.foundState = model.oneState(context)
                let symbol = model.symbol(model.foundState)
                model.updateBinary()
                return Int(symbol)
            }
            consume(start: sum, size: Model.binaryScale - sum)
            let updated = sum - ((sum + 32) >> 7)
            model.binarySums[probability] = UInt16(updated)
            model.initEscape = UInt32(Model.expEscape[Int(updated >> 10)])
            mask[Int(model.symbol(model.oneState(context)))] = marked
            model.prevSuccess = 0
        }

        while true {
            let masked = model.numStats(context)
            repeat {
                model.orderFall += 1
                let suffix = model.suffix(context)
                if suffix == 0 { return -1 }
                context = suffix
            } while model.numStats(context) == masked
            model.minContext = context

            var high: UInt32 = 0
            var state = model.stats(context)
            // A suffix holds every symbol of the contexts above it; the checks only keep a
            // model that broke that rule from reading past its states.
            guard model.numStats(context) > masked else { return -2 }
            let wanted = Int(model.numStats(context) - masked)
            var found = 0
            for _ in 0...model.numStats(context) where found != wanted {
                if mask[Int(model.symbol(state))] != marked {
                    high += model.freq(state)
                    candidates[found] = state
                    found += 1
                }
                state += Model.stateSize
            }
            guard found == wanted else { return -2 }
            let (see, escape) = model.escapeFrequency(masked: masked)
            let total = escape + high
            let count = threshold(total)
            if count < high {
                var index = 0
                var cumulative = model.freq(candidates[0])
                while cumulative <= count {
                    index += 1
                    cumulative += model.freq(candidates[index])
                }
                let chosen = candidates[index]
                consume(start: cumulative - model.freq(chosen), size: model.freq(chosen))
                model.see[see].update()
                model.foundState = chosen
                let symbol = model.symbol(chosen)
                model.updateAfterEscape()
                return Int(symbol)
            }
            if count >= total { return -2 }
            consume(start: high, size: total - high)
            model.see[see].sum &+= UInt16(truncatingIfNeeded: total)
            for index in 0..<found { mask[Int(model.symbol(candidates[index]))] = marked }
        }
    }
}
