/// Why a reliability run could not be carried out (as opposed to what it found).
enum ReliabilityError: Error, CustomStringConvertible {
    /// A binary the run needs is not there.
    case missingBinary(String)
    /// A helper command failed.
    case command(String, status: Int32, output: String)
    /// `dupfs mount` did not come up.
    case mountFailed(String)
    /// The emulator's control channel refused a request.
    case control(String)

    var description: String {
        switch self {
        case .missingBinary(let path): "missing binary \(path) (build the package first)"
        case .command(let what, let status, let output): "\(what) exited with \(status): \(output)"
        case .mountFailed(let why): "dupfs mount failed: \(why)"
        case .control(let why): "emulator control channel: \(why)"
        }
    }
}
