/// Why a piece of a Duplicati backup could not be understood.
///
/// Every parser in this module throws only this type. The associated strings are for logs:
/// they say what was wrong and where, never echo large parts of the input.
package enum DuplicatiFormatError: Error, Equatable, Sendable {
    /// The bytes are not the JSON we expect: bad syntax, truncated input, invalid UTF-8,
    /// nesting too deep, or a top-level shape other than the one the entry must have.
    case malformedJSON(String)
    /// A field the format requires is absent (the field name).
    case missingField(String)
    /// The manifest's `Version` is newer than 2 (or below 1); we can't know its layout.
    case unsupportedManifestVersion(Int)
    /// A field is present but its value is out of range or of the wrong type.
    case invalidValue(String)
    /// One JSON object in a streamed list exceeds the reader's bound (the bound, in bytes).
    case entryTooLarge(Int)
}
