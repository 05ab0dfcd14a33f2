/// What happens when the model's memory is full: undo the half-done update, then either start
/// again (restore method 0) or cut the tree down to what is still in use (method 1).
extension Model {
    /// - Parameter stopped: the context the interrupted `updateModel` had reached; those above
    ///   it already took the new symbol and give it back.
    func restoreModel(from stopped: UInt32) {
        text = Self.textStart
        var context = maxContext
        while context != stopped {
            let count = numStats(context) &- 1
            setNumStats(context, count)
            if count & 0xFF == 0 {
                makeBinary(context, units: nil)
            } else {
                refresh(context, oldUnits: ((count & 0xFF) + 3) >> 1, scale: 0)
            }
            context = suffix(context)
        }
        while context != minContext {
            if numStats(context) == 0 {
                let one = oneState(context)
                setFreq(one, freq(one) - (freq(one) >> 1))
            } else {
                setSummFreq(context, summFreq(context) + 4)
                if summFreq(context) > 128 + 4 * numStats(context) {
                    refresh(context, oldUnits: (numStats(context) + 2) >> 1, scale: 1)
                }
            }
            context = suffix(context)
        }

        if restoreMethod == .restart || usedMemory() < size >> 1 {
            restart()
            return
        }
        while suffix(maxContext) != 0 { maxContext = suffix(maxContext) }
        repeat {
            _ = cutOff(maxContext, order: 0)
            expandTextArea()
        } while usedMemory() > 3 * (size >> 2)
        glueCount = 0
        orderFall = maxOrder
    }

    /// Turns a context left with one symbol into a binary context holding that state inline,
    /// freeing its state array.
    /// - Parameter units: the array's size in units, or nil for a one-unit array freed with
    ///   ``specialFreeUnit(_:)``.
    private func makeBinary(_ context: UInt32, units: UInt32?) {
        let state = stats(context)
        setFlags(context, (flags(context) & 0x10) + Self.highFlag(symbol(state)))
        let one = oneState(context)
        copyState(to: one, from: state)
        if let units {
            freeUnits(state, units: units)
        } else {
            specialFreeUnit(state)
        }
        setFreq(one, (freq(one) + 11) >> 3)
    }

    /// Shrinks a context's state array to its count and scales its frequencies down
    /// (halving them when `scale` is 1), recomputing its sum and flags.
    private func refresh(_ context: UInt32, oldUnits: UInt32, scale: UInt32) {
        var left = numStats(context)
        var state = shrinkUnits(stats(context), oldUnits: oldUnits, newUnits: (left + 2) >> 1)
        setStats(context, state)
        var newFlags = (flags(context) & (0x10 + 0x04 * scale)) + Self.highFlag(symbol(state))
        var escape = summFreq(context) &- freq(state)
        setFreq(state, (freq(state) + scale) >> scale)
        var sum = freq(state)
        repeat {
            state += Self.stateSize
            escape &-= freq(state)
            setFreq(state, (freq(state) + scale) >> scale)
            sum += freq(state)
            newFlags |= Self.highFlag(symbol(state))
            left -= 1
        } while left != 0
        setSummFreq(context, sum &+ ((escape &+ scale) >> scale))
        setFlags(context, newFlags)
    }

    /// Removes from the tree below `context` every state whose successor no longer is a
    /// context (it points into the text), and contexts left without use.
    /// - Returns: the context, or 0 when it was freed.
    private func cutOff(_ context: UInt32, order: UInt32) -> UInt32 {
        if numStats(context) == 0 {
            let one = oneState(context)
            if successor(one) >= unitsStart {
                if order < maxOrder {
                    setSuccessor(one, cutOff(successor(one), order: order + 1))
                } else {
                    setSuccessor(one, 0)
                }
                if successor(one) != 0 || order <= 9 { return context }
            }
            specialFreeUnit(context)
            return 0
        }

        let units = (numStats(context) + 2) >> 1
        setStats(context, moveUnitsUp(stats(context), units: units))
        let first = stats(context)
        var last = Int(numStats(context))
        var position = last
        while position >= 0 {
            let state = first + UInt32(position) * Self.stateSize
            if successor(state) < unitsStart {
                let end = first + UInt32(last) * Self.stateSize
                last -= 1
                setSuccessor(state, 0)
                swapStates(state, end)
            } else if order < maxOrder {
                setSuccessor(state, cutOff(successor(state), order: order + 1))
            } else {
                setSuccessor(state, 0)
            }
            position -= 1
        }

        if last != Int(numStats(context)) && order != 0 {
            setNumStats(context, UInt32(truncatingIfNeeded: last))
            if last < 0 {
                freeUnits(first, units: units)
                specialFreeUnit(context)
                return 0
            }
            if last == 0 {
                makeBinary(context, units: units)
            } else {
                refresh(context, oldUnits: units, scale: summFreq(context) > 16 * UInt32(last) ? 1 : 0)
            }
        }
        return context
    }
}
