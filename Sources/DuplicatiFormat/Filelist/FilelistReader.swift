/// Streaming parser of filelist.json: feed it chunks of any size (a 1-million-entry list must never
/// be held as one document); it emits one entry per object.
///
/// Accepts a UTF-8 BOM, any key order, unknown keys (skipped, including nested values), every
/// JSON string escape including surrogate pairs, and any JSON whitespace. Objects whose `type`
/// is unknown, and `AlternateStream` objects, are skipped (see `EntryKind`). The outer array may
/// hold only objects, as in Duplicati's reader.
///
/// It works in two layers: a byte scanner follows the outer array and collects the bytes of one
/// top-level object (tracking strings and nesting, nothing else), then `JSONParser` checks and
/// reads that object. Memory is therefore bounded by `maxObjectBytes` plus the entry, however
/// long the list. After any error the reader stays failed.
///
/// Given an `unusable` handler, an object whose bounds are clear but whose content is not (bad
/// syntax inside it, a lone surrogate escape, a negative or absurd size, a missing field, too
/// large or too deeply nested) is handed to it and the list goes on: one broken entry costs
/// only itself. Without one, such an object fails the whole list.
package struct FilelistReader {
    /// An object of the list that could not be made into an entry.
    package struct UnusableObject: Sendable, Equatable {
        /// Its `path` as far as it could be read (a lone surrogate or invalid UTF-8 reads as
        /// U+FFFD); nil when it has no readable one.
        package let path: String?
        /// Why it was refused.
        package let reason: DuplicatiFormatError
        /// Where its `{` is in the document (bytes from the start).
        package let offset: Int
    }

    private enum Phase {
        /// `count` bytes of a UTF-8 BOM seen at the very start.
        case start(count: Int)
        case beforeArray
        /// After `[`: an object or `]`.
        case firstElement
        /// After `,`: an object.
        case nextElement
        /// After an object: `,` or `]`.
        case afterElement
        /// Inside a top-level object.
        case object
        /// After the closing `]`: only whitespace.
        case done
        case failed
    }

    /// How many complete objects were skipped for an unknown or `AlternateStream` type.
    package private(set) var skippedObjects = 0
    /// How many objects were handed to an `unusable` handler.
    package private(set) var unusableObjects = 0

    private let maxObjectBytes: Int
    private var phase = Phase.start(count: 0)
    private var buffer: [UInt8] = []
    /// Nesting inside the current object; 1 right after its `{`.
    private var depth = 0
    private var inString = false
    private var afterBackslash = false
    /// Bytes consumed so far, for error messages.
    private var offset = 0
    /// Where the current object began.
    private var objectStart = 0
    /// Why the current object is already known to be unusable (too large, nested too deep);
    /// its bytes are then no longer kept.
    private var objectProblem: DuplicatiFormatError?

    /// - Parameter maxObjectBytes: the largest single object accepted, in bytes.
    package init(maxObjectBytes: Int = 16 << 20) {
        self.maxObjectBytes = max(2, maxObjectBytes)
    }

    /// Parses the next chunk.
    /// - Parameters:
    ///   - bytes: the next bytes of the document; any length, including 0.
    ///   - emit: called with each entry in document order, as soon as its object is complete.
    ///   - unusable: called with each object that cannot be made into an entry; nil makes
    ///     such an object fail the list.
    /// - Throws: `DuplicatiFormatError` for bad input (`entryTooLarge` for an object over
    ///   `maxObjectBytes`), or whatever `emit` or `unusable` throws. After a throw the reader
    ///   is unusable.
    package mutating func consume(
        _ bytes: UnsafeRawBufferPointer, _ emit: (FilelistEntry) throws -> Void,
        unusable: ((UnusableObject) throws -> Void)? = nil
    ) throws {
        do {
            try scan(bytes, emit, unusable)
        } catch {
            phase = .failed
            throw error
        }
    }

    /// Parses the next chunk.
    /// - Parameters:
    ///   - bytes: the next bytes of the document.
    ///   - emit: called with each entry, in document order.
    ///   - unusable: as for a raw buffer.
    /// - Throws: as `consume(_:_:unusable:)` with a raw buffer.
    package mutating func consume(
        _ bytes: [UInt8], _ emit: (FilelistEntry) throws -> Void, unusable: ((UnusableObject) throws -> Void)? = nil
    ) throws {
        try bytes.withUnsafeBytes { raw in try consume(raw, emit, unusable: unusable) }
    }

    /// Checks that the document ended completely.
    /// - Throws: `malformedJSON` if it is empty or truncated, or the reader failed earlier.
    package mutating func finish() throws {
        switch phase {
        case .done:
            return
        case .failed:
            throw DuplicatiFormatError.malformedJSON("reader used after an error")
        default:
            phase = .failed
            throw DuplicatiFormatError.malformedJSON("filelist ends early at byte \(offset)")
        }
    }

    /// Parses a whole document held in memory. Use only for small lists (tests, tools).
    /// - Parameter bytes: the complete `filelist.json`.
    /// - Returns: every entry, in order.
    /// - Throws: as `consume` and `finish`.
    package static func parseAll(_ bytes: [UInt8]) throws -> [FilelistEntry] {
        var reader = FilelistReader()
        var entries: [FilelistEntry] = []
        try reader.consume(bytes) { entries.append($0) }
        try reader.finish()
        return entries
    }

    private mutating func scan(
        _ bytes: UnsafeRawBufferPointer, _ emit: (FilelistEntry) throws -> Void,
        _ unusable: ((UnusableObject) throws -> Void)?
    ) throws {
        var index = 0
        while index < bytes.count {
            if case .object = phase {
                index = try scanObject(bytes, from: index, emit, unusable)
                continue
            }
            let byte = bytes[index]
            index += 1
            offset += 1
            switch phase {
            case .start(let count):
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if byte == bom[count] {
                    phase = count == 2 ? .beforeArray : .start(count: count + 1)
                } else if count == 0 {
                    phase = .beforeArray
                    index -= 1
                    offset -= 1
                } else {
                    throw malformed("broken byte order mark")
                }
            case .beforeArray:
                if Self.isWhitespace(byte) { continue }
                guard byte == UInt8(ascii: "[") else { throw malformed("expected '['") }
                phase = .firstElement
            case .firstElement, .nextElement:
                if Self.isWhitespace(byte) { continue }
                if byte == UInt8(ascii: "]"), case .firstElement = phase {
                    phase = .done
                } else if byte == UInt8(ascii: "{") {
                    buffer.removeAll(keepingCapacity: true)
                    buffer.append(byte)
                    depth = 1
                    inString = false
                    afterBackslash = false
                    objectStart = offset - 1
                    objectProblem = nil
                    phase = .object
                } else {
                    throw malformed("expected an object")
                }
            case .afterElement:
                if Self.isWhitespace(byte) { continue }
                if byte == UInt8(ascii: ",") {
                    phase = .nextElement
                } else if byte == UInt8(ascii: "]") {
                    phase = .done
                } else {
                    throw malformed("expected ',' or ']'")
                }
            case .done:
                guard Self.isWhitespace(byte) else { throw malformed("unexpected data after the list") }
            case .failed:
                throw DuplicatiFormatError.malformedJSON("reader used after an error")
            case .object:
                preconditionFailure("handled above")
            }
        }
    }

    /// Copies object bytes into the buffer until the object closes or the chunk ends.
    /// - Returns: the index of the first byte not consumed.
    private mutating func scanObject(
        _ bytes: UnsafeRawBufferPointer, from start: Int, _ emit: (FilelistEntry) throws -> Void,
        _ unusable: ((UnusableObject) throws -> Void)?
    ) throws -> Int {
        var index = start
        var closed = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                if afterBackslash {
                    afterBackslash = false
                } else if byte == UInt8(ascii: "\\") {
                    afterBackslash = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    // Only a counter here: deeper nesting costs nothing until JSONParser recurses.
                    if depth > JSONParser.maxDepth, objectProblem == nil {
                        let problem = malformed("nesting too deep")
                        if unusable == nil { throw problem }
                        objectProblem = problem
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                default:
                    break
                }
            }
            if objectProblem == nil, buffer.count + (index - start) > maxObjectBytes {
                let problem = DuplicatiFormatError.entryTooLarge(maxObjectBytes)
                if unusable == nil { throw problem }
                objectProblem = problem
            }
            if depth == 0 {
                closed = true
                break
            }
        }
        if objectProblem == nil {
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        } else {
            buffer.removeAll()
        }
        offset += index - start
        if closed {
            phase = .afterElement
            try finishObject(emit, unusable)
        }
        return index
    }

    /// Turns the complete object in the buffer into an entry, a skip, or an unusable object.
    private mutating func finishObject(
        _ emit: (FilelistEntry) throws -> Void, _ unusable: ((UnusableObject) throws -> Void)?
    ) throws {
        let parsed: FilelistEntry?
        if let objectProblem {
            try reject(UnusableObject(path: nil, reason: objectProblem, offset: objectStart), unusable)
            return
        }
        do {
            parsed = try FilelistEntry.parse(object: buffer)
        } catch {
            let path = unusable == nil ? nil : FilelistEntry.salvagePath(object: buffer)
            try reject(UnusableObject(path: path, reason: error, offset: objectStart), unusable)
            return
        }
        if let parsed {
            try emit(parsed)
        } else {
            skippedObjects += 1
        }
    }

    private mutating func reject(_ object: UnusableObject, _ unusable: ((UnusableObject) throws -> Void)?) throws {
        guard let unusable else { throw object.reason }
        unusableObjects += 1
        try unusable(object)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func malformed(_ message: String) -> DuplicatiFormatError {
        .malformedJSON("\(message) at byte \(offset)")
    }
}
