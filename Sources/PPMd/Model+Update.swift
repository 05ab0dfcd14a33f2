/// How the model learns from each coded symbol: frequency updates, new contexts
/// (`createSuccessors`), adding the symbol to the contexts that escaped (`updateModel`), and
/// rescaling. The encoder and decoder call the same entry points after each symbol.
extension Model {
    /// After the first (most probable) symbol of a context was coded.
    func updateFirst() {
        let state = foundState
        prevSuccess = 2 * freq(state) >= summFreq(minContext) ? 1 : 0
        runLength &+= Int32(prevSuccess)
        setSummFreq(minContext, summFreq(minContext) + 4)
        setFreq(state, freq(state) + 4)
        if freq(state) > Self.maxFrequency { rescale() }
        nextContext()
    }

    /// After another symbol of a context with several was coded without escaping.
    func updateOther() {
        var state = foundState
        setFreq(state, freq(state) + 4)
        setSummFreq(minContext, summFreq(minContext) + 4)
        if freq(state) > freq(state - Self.stateSize) {
            swapStates(state, state - Self.stateSize)
            state -= Self.stateSize
            foundState = state
            if freq(state) > Self.maxFrequency { rescale() }
        }
        nextContext()
    }

    /// After the symbol of a one-symbol (binary) context was coded.
    func updateBinary() {
        let state = foundState
        if freq(state) < 196 { setFreq(state, freq(state) + 1) }
        prevSuccess = 1
        runLength &+= 1
        nextContext()
    }

    /// After a symbol was coded in a shorter context, following escapes.
    func updateAfterEscape() {
        let state = foundState
        setSummFreq(minContext, summFreq(minContext) + 4)
        setFreq(state, freq(state) + 4)
        if freq(state) > Self.maxFrequency { rescale() }
        runLength = initRunLength
        updateModel()
        minContext = maxContext
    }

    private func nextContext() {
        let context = successor(foundState)
        if orderFall == 0 && context >= unitsStart {
            minContext = context
            maxContext = context
        } else {
            updateModel()
            minContext = maxContext
        }
    }

    /// The escape frequency for the current context after `masked` symbols (count − 1 of the
    /// context escaped from) were ruled out, and the SEE context it came from.
    func escapeFrequency(masked: UInt32) -> (see: Int, frequency: UInt32) {
        let context = minContext
        let count = numStats(context)
        guard count != 0xFF else { return (Self.seeDummy, 1) }
        var index = (Int(countToIndex[Int(count) + 2]) - 3) * 32
        if summFreq(context) > 11 * (count + 1) { index += 1 }
        if 2 * count < numStats(suffix(context)) + masked { index += 2 }
        index += Int(flags(context))
        let mean = UInt32(see[index].sum >> UInt16(see[index].shift))
        see[index].sum &-= UInt16(truncatingIfNeeded: mean)
        return (index, mean == 0 ? 1 : mean)
    }

    /// Where the binary context's probability of its symbol is kept.
    @inline(__always) func binarySumIndex() -> Int {
        let context = minContext
        let row = Int(countToIndex[Int(freq(oneState(context))) - 1])
        let column =
            Int(countToBinaryIndex[Int(numStats(suffix(context)))]) + Int(prevSuccess) + Int(flags(context))
            + Int((runLength >> 26) & 0x20)
        return row * 64 + column
    }

    /// Sorts the found state to the front and halves every frequency, dropping symbols that
    /// reach zero.
    private func rescale() {
        let context = minContext
        let first = stats(context)
        var state = foundState
        // Move the found state to the front.
        let foundLow = word32(state)
        let foundHigh = word16(state + 4)
        while state != first {
            copyState(to: state, from: state - Self.stateSize)
            state -= Self.stateSize
        }
        setWord32(state, foundLow)
        setWord16(state + 4, foundHigh)

        var escape = summFreq(context) &- freq(state)
        let adder: UInt32 = orderFall != 0 ? 1 : 0
        setFreq(state, (freq(state) + 4 + adder) >> 1)
        var sum = freq(state)
        var left = numStats(context)
        repeat {
            state += Self.stateSize
            escape &-= freq(state)
            setFreq(state, (freq(state) + adder) >> 1)
            sum += freq(state)
            if freq(state) > freq(state - Self.stateSize) {
                // Insertion: keep the states sorted by falling frequency.
                let low = word32(state)
                let high = word16(state + 4)
                let movingFreq = freq(state)
                var slot = state
                repeat {
                    copyState(to: slot, from: slot - Self.stateSize)
                    slot -= Self.stateSize
                } while slot != first && movingFreq > freq(slot - Self.stateSize)
                setWord32(slot, low)
                setWord16(slot + 4, high)
            }
            left -= 1
        } while left != 0

        if freq(state) == 0 {
            let oldCount = numStats(context)
            var zeros: UInt32 = 0
            repeat {
                zeros += 1
                state -= Self.stateSize
            } while freq(state) == 0
            escape &+= zeros
            setNumStats(context, oldCount - zeros)
            if numStats(context) == 0 {
                let symbol = self.symbol(first)
                var frequency = escape == 0 ? 0 : (2 * freq(first) &+ escape &- 1) / escape
                frequency = UInt32(UInt8(truncatingIfNeeded: frequency))
                if frequency > Self.maxFrequency / 3 { frequency = Self.maxFrequency / 3 }
                let successor = self.successor(first)
                insertNode(first, index: index(ofUnits: (oldCount + 2) >> 1))
                setFlags(context, (flags(context) & 0x10) + Self.highFlag(symbol))
                let one = oneState(context)
                setSymbol(one, UInt8(symbol))
                setFreq(one, frequency)
                setSuccessor(one, successor)
                foundState = one
                return
            }
            let oldUnits = (oldCount + 2) >> 1
            let newUnits = (numStats(context) + 2) >> 1
            if oldUnits != newUnits { setStats(context, shrinkUnits(first, oldUnits: oldUnits, newUnits: newUnits)) }
            var newFlags = flags(context) & ~UInt32(0x08)
            var scan = stats(context)
            newFlags |= Self.highFlag(symbol(scan))
            for _ in 0..<numStats(context) {
                scan += Self.stateSize
                newFlags |= Self.highFlag(symbol(scan))
            }
            setFlags(context, newFlags)
        }
        setSummFreq(context, sum &+ escape &- (escape >> 1))
        setFlags(context, flags(context) | 0x04)
        foundState = stats(context)
    }

    /// Makes the contexts the found symbol leads to, from `context` down: each suffix on the
    /// way whose state for the symbol still points into the text gets a new one-symbol child.
    /// - Parameters:
    ///   - skip: the found state itself needs no child (it is at the top order already).
    ///   - knownState: the symbol's state in `context`'s suffix when the caller has it, or 0.
    /// - Returns: the new (or existing) context of the highest order, 0 when memory ran out.
    func createSuccessors(skip: Bool, knownState: UInt32, context start: UInt32) -> UInt32 {
        var context = start
        var known = knownState
        let upBranch = successor(foundState)
        let foundSymbol = symbol(foundState)
        var count = 0
        if !skip {
            pending[count] = foundState
            count += 1
        }
        while suffix(context) != 0 {
            context = suffix(context)
            var state: UInt32
            if known != 0 {
                state = known
                known = 0
            } else if numStats(context) != 0 {
                state = stats(context)
                while symbol(state) != foundSymbol { state += Self.stateSize }
                if freq(state) < Self.maxFrequency - 9 {
                    setFreq(state, freq(state) + 1)
                    setSummFreq(context, summFreq(context) + 1)
                }
            } else {
                state = oneState(context)
                if numStats(suffix(context)) == 0 && freq(state) < 24 { setFreq(state, freq(state) + 1) }
            }
            let next = successor(state)
            if next != upBranch {
                context = next
                if count == 0 { return context }
                break
            }
            guard count < 256 else { return 0 }
            pending[count] = state
            count += 1
        }

        let upSymbol = UInt32(byte(upBranch))
        let upSuccessor = upBranch + 1
        let newFlags = (foundSymbol >= 0x40 ? 0x10 : 0) + Self.highFlag(upSymbol)
        var upFreq: UInt32
        if numStats(context) == 0 {
            upFreq = freq(oneState(context))
        } else {
            var state = stats(context)
            while symbol(state) != upSymbol { state += Self.stateSize }
            let cf = freq(state) &- 1
            let s0 = summFreq(context) &- numStats(context) &- cf
            if 2 * cf <= s0 {
                upFreq = 1 + (5 * cf > s0 ? 1 : 0)
            } else {
                upFreq = 1 &+ (s0 == 0 ? 0xFF : (cf &+ 2 &* s0 &- 3) / s0)
            }
        }
        repeat {
            let child = allocContext()
            if child == 0 { return 0 }
            setNumStats(child, 0)
            setFlags(child, newFlags)
            let one = oneState(child)
            setSymbol(one, UInt8(upSymbol))
            setFreq(one, upFreq)
            setSuccessor(one, upSuccessor)
            setSuffix(child, context)
            count -= 1
            setSuccessor(pending[count], child)
            context = child
        } while count != 0
        return context
    }

    /// When the found state has no successor yet: points it and its suffixes' states at the
    /// text, making the order fall, and finds (or makes) the context to go on in.
    /// - Returns: that context, or 0 when memory ran out.
    private func reduceOrder(knownState: UInt32, context start: UInt32) -> UInt32 {
        var context = start
        var known = knownState
        var state: UInt32 = 0
        let upBranch = text
        let foundSymbol = symbol(foundState)
        setSuccessor(foundState, upBranch)
        orderFall += 1
        while true {
            if known != 0 {
                context = suffix(context)
                state = known
                known = 0
            } else {
                if suffix(context) == 0 { return context }
                context = suffix(context)
                if numStats(context) != 0 {
                    state = stats(context)
                    while symbol(state) != foundSymbol { state += Self.stateSize }
                    if freq(state) < Self.maxFrequency - 9 {
                        setFreq(state, freq(state) + 2)
                        setSummFreq(context, summFreq(context) + 2)
                    }
                } else {
                    state = oneState(context)
                    if freq(state) < 32 { setFreq(state, freq(state) + 1) }
                }
            }
            if successor(state) != 0 { break }
            setSuccessor(state, upBranch)
            orderFall += 1
        }
        if successor(state) <= upBranch {
            let saved = foundState
            foundState = state
            setSuccessor(state, createSuccessors(skip: false, knownState: 0, context: context))
            foundState = saved
        }
        if orderFall == 1 && start == maxContext {
            setSuccessor(foundState, successor(state))
            text -= 1
        }
        return successor(state)
    }

    /// Adds the found symbol to every context from the longest down to the one it was found
    /// in, and moves to the next context; restores the model when memory runs out.
    func updateModel() {
        var fSuccessor = successor(foundState)
        let fFreq = freq(foundState)
        let fSymbol = symbol(foundState)
        var suffixState: UInt32 = 0

        if fFreq < Self.maxFrequency / 4 && suffix(minContext) != 0 {
            let context = suffix(minContext)
            if numStats(context) == 0 {
                suffixState = oneState(context)
                if freq(suffixState) < 32 { setFreq(suffixState, freq(suffixState) + 1) }
            } else {
                var state = stats(context)
                if symbol(state) != fSymbol {
                    repeat { state += Self.stateSize } while symbol(state) != fSymbol
                    if freq(state) >= freq(state - Self.stateSize) {
                        swapStates(state, state - Self.stateSize)
                        state -= Self.stateSize
                    }
                }
                if freq(state) < Self.maxFrequency - 9 {
                    setFreq(state, freq(state) + 2)
                    setSummFreq(context, summFreq(context) + 2)
                }
                suffixState = state
            }
        }

        var context = maxContext
        if orderFall == 0 && fSuccessor != 0 {
            let made = createSuccessors(skip: true, knownState: suffixState, context: minContext)
            setSuccessor(foundState, made)
            if made == 0 {
                restoreModel(from: context)
            } else {
                maxContext = made
            }
            return
        }

        setByte(text, UInt8(fSymbol))
        text += 1
        var newSuccessor = text
        if text >= unitsStart {
            restoreModel(from: context)
            return
        }

        if fSuccessor == 0 {
            let made = reduceOrder(knownState: suffixState, context: minContext)
            if made == 0 {
                restoreModel(from: context)
                return
            }
            fSuccessor = made
        } else if fSuccessor < unitsStart {
            let made = createSuccessors(skip: false, knownState: suffixState, context: minContext)
            if made == 0 {
                restoreModel(from: context)
                return
            }
            fSuccessor = made
        }

        orderFall &-= 1
        if orderFall == 0 {
            newSuccessor = fSuccessor
            if maxContext != minContext { text -= 1 }
        }

        let ns = numStats(minContext)
        let s0 = summFreq(minContext) &- ns &- fFreq
        let flag = Self.highFlag(fSymbol)
        while context != minContext {
            let ns1 = numStats(context)
            if ns1 != 0 {
                if ns1 & 1 != 0 {
                    // The state array is full: grow it by one unit.
                    let oldUnits = (ns1 + 1) >> 1
                    let oldIndex = index(ofUnits: oldUnits)
                    if oldIndex != index(ofUnits: oldUnits + 1) {
                        let grown = allocUnits(index: oldIndex + 1)
                        if grown == 0 {
                            restoreModel(from: context)
                            return
                        }
                        let old = stats(context)
                        copyUnits(to: grown, from: old, units: oldUnits)
                        insertNode(old, index: oldIndex)
                        setStats(context, grown)
                    }
                }
                if 3 * ns1 + 1 < ns { setSummFreq(context, summFreq(context) + 1) }
            } else {
                let array = allocUnits(index: 0)
                if array == 0 {
                    restoreModel(from: context)
                    return
                }
                copyState(to: array, from: oneState(context))
                setStats(context, array)
                let frequency = freq(array)
                setFreq(array, frequency < Self.maxFrequency / 4 - 1 ? frequency << 1 : Self.maxFrequency - 4)
                setSummFreq(context, freq(array) + initEscape + (ns > 2 ? 1 : 0))
            }
            var cf = 2 * fFreq * (summFreq(context) + 6)
            let sf = s0 &+ summFreq(context)
            if cf < 6 &* sf {
                cf = 1 + (cf > sf ? 1 : 0) + (cf >= 4 &* sf ? 1 : 0)
                setSummFreq(context, summFreq(context) + 4)
            } else {
                cf = 4 + (cf > 9 &* sf ? 1 : 0) + (cf > 12 &* sf ? 1 : 0) + (cf > 15 &* sf ? 1 : 0)
                setSummFreq(context, summFreq(context) + cf)
            }
            let added = stats(context) + (ns1 + 1) * Self.stateSize
            setSuccessor(added, newSuccessor)
            setSymbol(added, UInt8(fSymbol))
            setFreq(added, cf)
            setFlags(context, flags(context) | flag)
            setNumStats(context, ns1 + 1)
            context = suffix(context)
        }
        maxContext = fSuccessor
        minContext = fSuccessor
    }
}
