import Foundation

/// Base64 forms of hashes used in Duplicati volumes.
package enum Base64Text {
    /// Standard base64 (`+`, `/`, `=` padding), as `filelist.json` and `vol/` entries use.
    /// - Parameter bytes: raw bytes, usually a hash.
    /// - Returns: the base64 text.
    package static func standard(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// b64url: standard base64 with `+`→`-` and `/`→`_`, padding kept, as zip entry names use.
    /// - Parameter bytes: raw bytes, usually a hash.
    /// - Returns: the entry-name text.
    package static func url(_ bytes: [UInt8]) -> String {
        String(standard(bytes).map { $0 == "+" ? "-" : ($0 == "/" ? "_" : $0) })
    }
}
