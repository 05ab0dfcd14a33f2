/// A pCloud API result code with the English text pCloud sends with it.
package struct PCloudResult: Sendable, Equatable, CustomStringConvertible {
    /// The numeric `result` (never 0 for an error).
    package let code: Int
    /// The `error` sentence.
    package let message: String

    /// Makes a result with `code` and its known text (or a generic one).
    package init(_ code: Int, message: String? = nil) {
        self.code = code
        self.message = message ?? PCloudResult.knownTexts[code] ?? "Error \(code)."
    }

    package var description: String { "\(code) \(message)" }

    /// Texts as pCloud writes them (typos included), from the API notes §5.2.
    package static let knownTexts: [Int: String] = [
        1000: "Log in required.",
        1001: "No full path or name/folderid provided.",
        1002: "No full path or folderid provided.",
        1004: "No fileid or path provided.",
        1005: "Unknown content-type requested.",
        1006: "Please provide flags.",
        1007: "Invalid or closed file descriptor.",
        1009: "Please provide 'offset'.",
        1011: "Please provide 'count'.",
        1101: "Recursive listing of the root folder is not allowed.",
        2000: "Log in failed.",
        2001: "Invalid file/folder name.",
        2002: "A component of parent directory does not exist.",
        2003: "Access denied. You do not have permissions to preform this operation.",
        2004: "File or folder alredy exists.",
        2005: "Directory does not exist.",
        2006: "Folder is not empty.",
        2007: "Cannot delete the root folder.",
        2008: "User is over quota.",
        2009: "File not found.",
        2010: "Invalid path.",
        2011: "Requested speed limit too low, see minspeed for minimum.",
        2041: "Connection broken.",
        2094: "Invalid 'access_token' provided.",
        4000: "Too many login tries from this IP address.",
        5000: "Internal error. Try again later.",
        5001: "Internal upload error.",
        5002: "Internal error, no servers available. Try again later.",
        5004: "Read error. Try reopening the file.",
        7010: "Invalid link referer.",
    ]

    static let loginRequired = PCloudResult(1000)
    static let noFolder = PCloudResult(1002)
    static let noFile = PCloudResult(1004)
    static let noName = PCloudResult(1001)
    static let loginFailed = PCloudResult(2000)
    static let invalidName = PCloudResult(2001)
    static let parentMissing = PCloudResult(2002)
    static let exists = PCloudResult(2004)
    static let folderMissing = PCloudResult(2005)
    static let folderNotEmpty = PCloudResult(2006)
    static let cannotDeleteRoot = PCloudResult(2007)
    static let fileMissing = PCloudResult(2009)
    static let invalidToken = PCloudResult(2094)
    static let internalError = PCloudResult(5000)
}

/// Thrown inside API handlers to answer with a pCloud error object.
struct PCloudFailure: Error {
    let result: PCloudResult
    init(_ result: PCloudResult) { self.result = result }
}
