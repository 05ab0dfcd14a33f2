import Zip

/// A `ZipWriter` that applies a fixture's zip switches (method, level, data descriptors, Zip64).
struct ZipBuilder {
    private var writer = ZipWriter()
    private let options: FixtureOptions

    init(options: FixtureOptions) {
        self.options = options
    }

    /// Adds an entry: compressible, or (with `stored`) not (§4.1 compression hints).
    mutating func add(_ name: String, _ bytes: [UInt8], stored: Bool = false) {
        let method: ZipMethod
        var level = options.compressionLevel
        switch options.compressionMethod {
        case .deflate:
            method = stored ? .stored : .deflate
        case .zstandard:
            // SharpCompress maps the level to round(level × 2.33), clamped to 1...22; the hint
            // only changes the level.
            method = .zstandard
            level = stored ? 1 : min(max(Int32((Double(options.compressionLevel) * 2.33).rounded()), 1), 22)
        case let other:
            method = other
        }
        writer.add(name, bytes, method: method, level: level, dataDescriptor: options.dataDescriptors)
    }

    /// The finished archive.
    func finish() -> [UInt8] {
        writer.finish(forceZip64: options.zip64)
    }
}
