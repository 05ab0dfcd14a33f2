/// Encodes bytes as a PPMd variant I (revision 1) stream, ended by the end mark and the range
/// coder's flush, as SharpCompress writes zip method 98 (after the property word).
package final class PPMdEncoder {
    private let model: Model
    private var range: UInt32 = 0xFFFF_FFFF
    private var low: UInt32 = 0
    private let mask: UnsafeMutablePointer<UInt8>
    private var generation: UInt8 = 0
    /// The compressed bytes so far.
    package private(set) var output: [UInt8] = []

    /// - Throws: `PPMdError.outOfMemory`.
    package init(parameters: PPMdParameters) throws(PPMdError) {
        model = try Model(parameters)
        mask = .allocate(capacity: 256)
        mask.initialize(repeating: 0, count: 256)
    }

    deinit { mask.deallocate() }

    /// Encodes the bytes.
    package func encode(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { encodeSymbol(Int(byte)) }
    }

    /// Writes the end mark and flushes the range coder.
    /// - Returns: the whole compressed stream.
    package func finish() -> [UInt8] {
        encodeSymbol(-1)
        for _ in 0..<4 {
            output.append(UInt8(low >> 24))
            low <<= 8
        }
        return output
    }

    /// A zip method 98 entry's data: the property word, then the stream.
    /// - Parameters:
    ///   - bytes: the uncompressed bytes.
    ///   - parameters: the model (SharpCompress's default when not given).
    package static func zipEntryData(_ bytes: [UInt8], parameters: PPMdParameters = .sharpCompressDefault) -> [UInt8] {
        // Model's memory is at most 256 MiB: failing to get it is no situation a test can recover from.
        guard let encoder = try? PPMdEncoder(parameters: parameters) else {
            preconditionFailure("cannot allocate the PPMd model")
        }
        bytes.withUnsafeBytes { encoder.encode($0) }
        let word = parameters.propertyWord
        return [UInt8(word & 0xFF), UInt8(word >> 8)] + encoder.finish()
    }

    // MARK: Range encoder

    @inline(__always) private func encode(start: UInt32, size: UInt32, total: UInt32) {
        range /= total
        low &+= start &* range
        range &*= size
        normalize()
    }

    @inline(__always) private func normalize() {
        while true {
            if (low ^ (low &+ range)) >= 1 << 24 {
                guard range < 1 << 15 else { return }
                range = (0 &- low) & (1 << 15 - 1)
            }
            output.append(UInt8(low >> 24))
            range <<= 8
            low <<= 8
        }
    }

    // MARK: Symbols

    /// - Parameter symbol: a byte, or -1 for the end mark (escapes down to order −1).
    private func encodeSymbol(_ symbol: Int) {
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
            if Int(model.symbol(state)) == symbol {
                encode(start: 0, size: model.freq(state), total: total)
                model.foundState = state
                model.updateFirst()
                return
            }
            model.prevSuccess = 0
            var sum = model.freq(state)
            for _ in 0..<model.numStats(context) {
                state += Model.stateSize
                if Int(model.symbol(state)) == symbol {
                    encode(start: sum, size: model.freq(state), total: total)
                    model.foundState = state
                    model.updateOther()
                    return
                }
                sum += model.freq(state)
            }
            let first = model.stats(context)
            for index in 0...model.numStats(context) {
                mask[Int(model.symbol(first + index * Model.stateSize))] = marked
            }
            encode(start: sum, size: total - sum, total: total)
        } else {
            let probability = model.binarySumIndex()
            let sum = UInt32(model.binarySums[probability])
            let one = model.oneState(context)
            if Int(model.symbol(one)) == symbol {
                range = (range >> 14) &* sum
                normalize()
                model.binarySums[probability] = UInt16(sum + 128 - ((sum + 32) >> 7))
                model.foundState = one
                model.updateBinary()
                return
            }
            range >>= 14
            low &+= sum &* range
            range &*= Model.binaryScale - sum
            normalize()
            let updated = sum - ((sum + 32) >> 7)
            model.binarySums[probability] = UInt16(updated)
            model.initEscape = UInt32(Model.expEscape[Int(updated >> 10)])
            mask[Int(model.symbol(one))] = marked
            model.prevSuccess = 0
        }

        while true {
            let masked = model.numStats(context)
            repeat {
                model.orderFall += 1
                let suffix = model.suffix(context)
                if suffix == 0 { return }  // the end mark
                context = suffix
            } while model.numStats(context) == masked
            model.minContext = context

            let (see, escape) = model.escapeFrequency(masked: masked)
            var state = model.stats(context)
            var sum: UInt32 = 0
            var found: UInt32 = 0
            var low: UInt32 = 0
            for _ in 0...model.numStats(context) {
                let current = Int(model.symbol(state))
                if mask[current] != marked {
                    if current == symbol {
                        found = state
                        low = sum
                    }
                    sum += model.freq(state)
                    mask[current] = marked
                }
                state += Model.stateSize
            }
            let total = sum + escape
            if found != 0 {
                encode(start: low, size: model.freq(found), total: total)
                model.see[see].update()
                model.foundState = found
                model.updateAfterEscape()
                return
            }
            encode(start: sum, size: escape, total: total)
            model.see[see].sum &+= UInt16(truncatingIfNeeded: total)
        }
    }
}
