import Digests

/// A PAR2 2.0 parity companion as Duplicati 2.3.0.107+ uploads it next to a dblock or dlist
/// (`<volume name>.par2`, format §2): a plain packet stream describing one file named `data`
/// (the volume as uploaded). The fixture writes the main, file description and creator packets
/// with correct MD5s but no recovery slices (redundancy 0): readers only have to ignore it.
enum ParityCompanion {
    /// The companion's bytes for one uploaded volume.
    static func bytes(describing volume: [UInt8]) -> [UInt8] {
        let md5 = HashAlgorithm.md5
        let name = padded(Array("data".utf8))
        let hash16k = md5.digest(Array(volume.prefix(16_384)))
        let fileID = md5.digest(hash16k + littleEndian(UInt64(volume.count)) + Array("data".utf8))

        var fileDescription = fileID + md5.digest(volume) + hash16k
        fileDescription += littleEndian(UInt64(volume.count)) + name
        // Slice size 4 KiB, one file in the recovery set, no non-recovery files.
        let main = littleEndian(UInt64(4096)) + littleEndian(UInt32(1)) + fileID
        let setID = md5.digest(main)
        let creator = padded(Array("dupfs fixture writer".utf8))

        return packet("PAR 2.0\0Main\0\0\0\0", main, setID: setID)
            + packet("PAR 2.0\0FileDesc", fileDescription, setID: setID)
            + packet("PAR 2.0\0Creator\0", creator, setID: setID)
    }

    /// One packet: magic, length, MD5 of everything from the set ID on, set ID, type, body.
    private static func packet(_ type: String, _ body: [UInt8], setID: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 16 && body.count % 4 == 0)
        let hashed = setID + typeBytes + body
        let length = UInt64(8 + 8 + 16 + hashed.count)
        return Array("PAR2\0PKT".utf8) + littleEndian(length) + HashAlgorithm.md5.digest(hashed) + hashed
    }

    private static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
