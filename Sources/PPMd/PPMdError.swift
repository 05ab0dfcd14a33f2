/// Why a PPMd stream could not be decoded (or a model not made).
package enum PPMdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The property word asks for something this implementation does not do, e.g. restore
    /// method 2 or order 1; the text names it.
    case unsupportedParameters(String)
    /// The range coder or the model met bytes no encoder writes.
    case corrupt(String)
    /// The compressed bytes ended before the stream did.
    case truncated
    /// The model's memory could not be allocated.
    case outOfMemory(Int)

    package var description: String {
        switch self {
        case .unsupportedParameters(let what): "unsupported PPMd parameters: \(what)"
        case .corrupt(let detail): "PPMd data is corrupt: \(detail)"
        case .truncated: "PPMd stream is truncated"
        case .outOfMemory(let bytes): "cannot allocate \(bytes) bytes for the PPMd model"
        }
    }
}
