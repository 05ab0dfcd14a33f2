/// What a PPMd variant I (revision 1) model is made with: the three numbers a zip entry's
/// two-byte property word carries (format §4.1), and which a decoder must use exactly as the
/// encoder did.
package struct PPMdParameters: Sendable, Equatable {
    /// What the model does when its memory is full.
    package enum RestoreMethod: Int, Sendable {
        /// Start again from an empty model (what SharpCompress and 7-Zip write by default).
        case restart = 0
        /// Cut the context tree down to the contexts in recent use and go on.
        case cutOff = 1
    }

    /// The longest context, in bytes: 2 to 16.
    package let order: Int
    /// The model's memory in MiB: 1 to 256.
    package let memoryMiB: Int
    package let restoreMethod: RestoreMethod

    package static let orderRange = 2...16
    package static let memoryRange = 1...256

    /// What SharpCompress writes for Duplicati: order 6, 16 MiB, restart (property word `F5 00`).
    package static let sharpCompressDefault = PPMdParameters(unchecked: 6, 16, .restart)

    private init(unchecked order: Int, _ memoryMiB: Int, _ restoreMethod: RestoreMethod) {
        self.order = order
        self.memoryMiB = memoryMiB
        self.restoreMethod = restoreMethod
    }

    /// - Throws: `PPMdError.unsupportedParameters` for an order or memory size out of range.
    package init(order: Int, memoryMiB: Int, restoreMethod: RestoreMethod = .restart) throws(PPMdError) {
        guard Self.orderRange.contains(order) else {
            throw .unsupportedParameters("model order \(order) (PPMd variant I allows 2 to 16)")
        }
        guard Self.memoryRange.contains(memoryMiB) else {
            throw .unsupportedParameters("model memory \(memoryMiB) MiB (PPMd variant I allows 1 to 256)")
        }
        self.init(unchecked: order, memoryMiB, restoreMethod)
    }

    /// Reads the little-endian property word that starts a zip method 98 entry:
    /// `(order − 1) | ((MiB − 1) << 4) | (restore method << 12)`.
    /// - Parameter propertyWord: the word.
    /// - Throws: `PPMdError.unsupportedParameters` naming what is out of range, e.g. restore
    ///   method 2 ("freeze", which no zip writer in use produces and 7-Zip refuses too).
    package init(propertyWord: UInt16) throws(PPMdError) {
        let restore = Int(propertyWord >> 12)
        guard let method = RestoreMethod(rawValue: restore) else {
            let name = restore == 2 ? " (freeze)" : ""
            throw .unsupportedParameters(
                "restore method \(restore)\(name); only 0 (restart) and 1 (cut-off) are supported")
        }
        try self.init(order: Int(propertyWord & 0xF) + 1, memoryMiB: Int((propertyWord >> 4) & 0xFF) + 1, restoreMethod: method)
    }

    /// The property word for these parameters (see ``init(propertyWord:)``).
    package var propertyWord: UInt16 {
        UInt16(order - 1) | UInt16(memoryMiB - 1) << 4 | UInt16(restoreMethod.rawValue) << 12
    }

    /// The model's memory in bytes.
    var memoryBytes: UInt32 { UInt32(memoryMiB) << 20 }
}
