/// The sub-allocator: blocks of 1 to 128 units in 38 size classes, a free list per class, new
/// units taken from between `loUnit` and `hiUnit`, and free neighbours glued together now and
/// then. Which block an allocation returns decides the model's later layout, so every rule
/// here is part of the format.
extension Model {
    @inline(__always) func units(ofIndex index: Int) -> UInt32 { indexToUnits[index] }
    @inline(__always) func index(ofUnits units: UInt32) -> Int { Int(unitsToIndex[Int(units) - 1]) }

    // Free-block fields.
    @inline(__always) func stamp(_ node: UInt32) -> UInt32 { word32(node) }
    @inline(__always) func next(_ node: UInt32) -> UInt32 { word32(node + 4) }
    @inline(__always) func nodeUnits(_ node: UInt32) -> UInt32 { word32(node + 8) }

    func insertNode(_ node: UInt32, index: Int) {
        setWord32(node, Self.emptyStamp)
        setWord32(node + 4, freeList[index])
        setWord32(node + 8, indexToUnits[index])
        freeList[index] = node
        stamps[index] &+= 1
    }

    func removeNode(index: Int) -> UInt32 {
        let node = freeList[index]
        freeList[index] = next(node)
        stamps[index] &-= 1
        return node
    }

    /// Frees the tail of a block of class `oldIndex` beyond the first `newIndex`-class part.
    func splitBlock(_ block: UInt32, oldIndex: Int, newIndex: Int) {
        let left = units(ofIndex: oldIndex) - units(ofIndex: newIndex)
        let tail = block + units(ofIndex: newIndex) * Self.unitSize
        freeRun(tail, units: left)
    }

    /// Puts a run of up to 128 units on the free lists: as one block when its size is a class,
    /// else as the largest class below it plus the rest.
    private func freeRun(_ start: UInt32, units count: UInt32) {
        var index = self.index(ofUnits: count)
        if units(ofIndex: index) != count {
            index -= 1
            let first = units(ofIndex: index)
            // The rest is 1 to 3 units, whose class index is its size − 1.
            insertNode(start + first * Self.unitSize, index: Int(count - first - 1))
        }
        insertNode(start, index: index)
    }

    /// Joins free blocks that lie next to each other and sorts them into the lists again.
    func glueFreeBlocks() {
        glueCount = 1 << 13
        for index in 0..<Self.indexCount { stamps[index] = 0 }
        // All blocks up to loUnit can be free: a zero stamp there stops the gluing. The top unit
        // is always the root context, so the units' end needs no guard.
        if loUnit != hiUnit { setWord32(loUnit, 0) }

        // One chain of every free block with units left, each grown over the free blocks after it.
        var head: UInt32 = 0
        var last: UInt32 = 0  // the chain's last node; 0 while it is empty
        for index in 0..<Self.indexCount {
            var node = freeList[index]
            freeList[index] = 0
            while node != 0 {
                if nodeUnits(node) != 0 {
                    if last == 0 { head = node } else { setWord32(last + 4, node) }
                    last = node
                    while true {
                        let neighbour = node + nodeUnits(node) * Self.unitSize
                        guard stamp(neighbour) == Self.emptyStamp else { break }
                        setWord32(node + 8, nodeUnits(node) &+ nodeUnits(neighbour))
                        setWord32(neighbour + 8, 0)
                    }
                }
                node = next(node)
            }
        }
        if last == 0 { head = 0 } else { setWord32(last + 4, 0) }

        while head != 0 {
            var node = head
            head = next(node)
            var count = nodeUnits(node)
            if count == 0 { continue }
            while count > 128 {
                insertNode(node, index: Self.indexCount - 1)
                count -= 128
                node += 128 * Self.unitSize
            }
            freeRun(node, units: count)
        }
    }

    /// An allocation the free lists and the gap cannot serve at once: glue, split a larger
    /// block, or take units from the top of the text area. 0 when memory is exhausted.
    func allocUnitsRare(index: Int) -> UInt32 {
        if glueCount == 0 {
            glueFreeBlocks()
            if freeList[index] != 0 { return removeNode(index: index) }
        }
        var larger = index
        repeat {
            larger += 1
            if larger == Self.indexCount {
                let bytes = units(ofIndex: index) * Self.unitSize
                glueCount &-= 1
                guard unitsStart - text > bytes else { return 0 }
                unitsStart -= bytes
                return unitsStart
            }
        } while freeList[larger] == 0
        let block = removeNode(index: larger)
        splitBlock(block, oldIndex: larger, newIndex: index)
        return block
    }

    func allocUnits(index: Int) -> UInt32 {
        if freeList[index] != 0 { return removeNode(index: index) }
        let bytes = units(ofIndex: index) * Self.unitSize
        if bytes <= hiUnit - loUnit {
            let block = loUnit
            loUnit += bytes
            return block
        }
        return allocUnitsRare(index: index)
    }

    /// One unit for a new context: from the top of the gap first.
    func allocContext() -> UInt32 {
        if hiUnit != loUnit {
            hiUnit -= Self.unitSize
            return hiUnit
        }
        if freeList[0] != 0 { return removeNode(index: 0) }
        return allocUnitsRare(index: 0)
    }

    func shrinkUnits(_ block: UInt32, oldUnits: UInt32, newUnits: UInt32) -> UInt32 {
        let oldIndex = index(ofUnits: oldUnits)
        let newIndex = index(ofUnits: newUnits)
        if oldIndex == newIndex { return block }
        if freeList[newIndex] != 0 {
            let moved = removeNode(index: newIndex)
            copyUnits(to: moved, from: block, units: newUnits)
            insertNode(block, index: oldIndex)
            return moved
        }
        splitBlock(block, oldIndex: oldIndex, newIndex: newIndex)
        return block
    }

    func freeUnits(_ block: UInt32, units count: UInt32) {
        insertNode(block, index: index(ofUnits: count))
    }

    /// Frees one unit; the lowest unit gives its room back to the text area instead.
    func specialFreeUnit(_ block: UInt32) {
        if block != unitsStart {
            insertNode(block, index: 0)
        } else {
            unitsStart += Self.unitSize
        }
    }

    /// Moves a block near the bottom of the units to a free block higher up when one of its
    /// class lies above it, so the text area can grow (cut-off restore).
    func moveUnitsUp(_ block: UInt32, units count: UInt32) -> UInt32 {
        let index = index(ofUnits: count)
        if block > unitsStart + 16 * 1024 || block > freeList[index] { return block }
        let moved = removeNode(index: index)
        copyUnits(to: moved, from: block, units: count)
        if block != unitsStart {
            insertNode(block, index: index)
        } else {
            unitsStart += units(ofIndex: index) * Self.unitSize
        }
        return moved
    }

    /// Gives the free blocks at the bottom of the units back to the text area (cut-off restore).
    func expandTextArea() {
        var counts = [UInt32](repeating: 0, count: Self.indexCount)
        if loUnit != hiUnit { setWord32(loUnit, 0) }
        var node = unitsStart
        while stamp(node) == Self.emptyStamp {
            setWord32(node, 0)
            counts[index(ofUnits: nodeUnits(node))] += 1
            node += nodeUnits(node) * Self.unitSize
        }
        unitsStart = node

        // Unlink the blocks just marked with a zero stamp from their lists.
        for index in 0..<Self.indexCount {
            var previous: UInt32 = 0  // the node whose next field links on; 0 for the list head
            while counts[index] != 0 {
                var current = previous == 0 ? freeList[index] : next(previous)
                while stamp(current) == 0 {
                    let following = next(current)
                    if previous == 0 { freeList[index] = following } else { setWord32(previous + 4, following) }
                    current = following
                    stamps[index] &-= 1
                    counts[index] -= 1
                    if counts[index] == 0 { break }
                }
                previous = current
            }
        }
    }

    /// Bytes in use by contexts, states and text.
    func usedMemory() -> UInt32 {
        var units: UInt32 = 0
        for index in 0..<Self.indexCount { units &+= stamps[index] &* indexToUnits[index] }
        return size &- (hiUnit &- loUnit) &- (unitsStart &- text) &- units &* Self.unitSize
    }
}
