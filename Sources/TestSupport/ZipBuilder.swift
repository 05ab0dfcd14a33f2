import Zip

/// A `ZipWriter` that applies a fixture's zip switches (level, data descriptors, Zip64).
struct ZipBuilder {
    private var writer = ZipWriter()
    private let options: FixtureOptions

    init(options: FixtureOptions) {
        self.options = options
    }

    /// Adds a deflated (or, with `stored`, uncompressed) entry.
    mutating func add(_ name: String, _ bytes: [UInt8], stored: Bool = false) {
        writer.add(
            name, bytes, method: stored ? .stored : .deflate, level: options.compressionLevel,
            dataDescriptor: options.dataDescriptors)
    }

    /// The finished archive.
    func finish() -> [UInt8] {
        writer.finish(forceZip64: options.zip64)
    }
}
