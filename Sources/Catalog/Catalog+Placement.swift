extension Catalog {
    /// Replaces everything known about where a dblock's records lie with what its zip directory
    /// says now, in one transaction.
    /// - Parameters:
    ///   - placements: one per block entry of the dblock.
    ///   - volumeID: the dblock.
    package func replacePlacements(_ placements: [BlockPlacement], volumeID: Int64) throws {
        try transaction { state in
            try state.statement("DELETE FROM placements WHERE volume=?").run([.integer(volumeID)])
            let insert = try state.statement("""
                INSERT OR REPLACE INTO placements
                    (volume, hash, header_at, record_end, compressed, uncompressed, method, flags, crc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for placement in placements {
                try insert.run([
                    .integer(volumeID), StoredHash.value(placement.hash), .integer(placement.offset), .integer(placement.end),
                    .integer(placement.compressedSize), .integer(placement.uncompressedSize),
                    .integer(Int64(placement.method)), .integer(Int64(placement.flags)), .integer(Int64(placement.crc32)),
                ])
            }
        }
    }

    /// Forgets where a dblock's records lie (after a kept record proved wrong).
    package func forgetPlacements(volumeID: Int64) throws {
        try withState { try $0.statement("DELETE FROM placements WHERE volume=?").run([.integer(volumeID)]) }
    }

    /// Where a block's record lies in one dblock, when that dblock's directory was read before.
    /// Values that could not have come from a zip directory give nil.
    /// - Parameters:
    ///   - hash: the block hash, base64.
    ///   - volumeID: the dblock.
    package func placement(of hash: String, volumeID: Int64) throws -> BlockPlacement? {
        let found = try withState { state in
            try state.statement("""
                SELECT header_at, record_end, compressed, uncompressed, method, flags, crc FROM placements
                WHERE volume=? AND hash=?
                """).first([.integer(volumeID), StoredHash.value(hash)]) { row in
                (row.int(0), row.int(1), row.int(2), row.int(3), row.int(4), row.int(5), row.int(6))
            }
        }
        guard let (offset, end, compressed, uncompressed, method, flags, crc) = found,
              offset >= 0, end > offset, compressed >= 0, uncompressed >= 0,
              let method = UInt16(exactly: method), let flags = UInt16(exactly: flags), let crc = UInt32(exactly: crc)
        else { return nil }
        return BlockPlacement(
            hash: hash, offset: offset, end: end, compressedSize: compressed, uncompressedSize: uncompressed,
            method: method, flags: flags, crc32: crc)
    }

    /// How many records of a dblock are known.
    package func placementCount(volumeID: Int64) throws -> Int {
        try withState { state in
            Int(try state.statement("SELECT COUNT(*) FROM placements WHERE volume=?").first([.integer(volumeID)]) { $0.int(0) } ?? 0)
        }
    }
}

extension Catalog {
    /// Every stored placement of a dblock, by offset.
    package func placements(volumeID: Int64) throws -> [BlockPlacement] {
        let rows = try withState { state in
            var rows: [(String, Int64)] = []
            try state.statement("SELECT hash, header_at FROM placements WHERE volume=? ORDER BY header_at")
                .forEach([.integer(volumeID)]) { rows.append((StoredHash.read($0, 0) ?? "", $0.int(1))) }
            return rows
        }
        return try rows.compactMap { try placement(of: $0.0, volumeID: volumeID) }
    }
}
