import HTTP
import Storage

extension PCloudStore {
    /// Puts a ``PCloudError`` into words for the user. Never includes the token.
    /// - Parameters:
    ///   - error: what failed.
    ///   - configuration: the location (host, folder, whether a token was given).
    ///   - subject: the file being read, or `nil` for folder-level calls.
    /// - Returns: the matching `StorageError`.
    package static func storageError(
        _ error: PCloudError, configuration: PCloudConfiguration, subject: String?
    ) -> StorageError {
        let host = configuration.host
        switch error {
        case .api(let code, let message, let method):
            let quoted = message.isEmpty ? "\(code)" : "\(code) \(message)"
            switch code {
            case 2094:
                return .accessDenied(
                    "pCloud rejected the access token (\(quoted)). It may be revoked, or belong to the other "
                        + "pCloud region: \(regionHint(host: host, folder: configuration.folder))")
            case 1000:
                if configuration.token == nil {
                    return .accessDenied(
                        "pCloud says log in required (\(quoted)): no access token was given. Add ?authid=<token> "
                            + "to the pcloud:// URL, pass --authid-file FILE, or set PCLOUD_AUTHID.")
                }
                return .accessDenied("pCloud refused the access token for \(method) (\(quoted))")
            case 2000:
                return .accessDenied("pCloud login failed (\(quoted))")
            case 2003:
                return .accessDenied("pCloud denied access to \(configuration.folder) on \(host) (\(quoted))")
            case 2002, 2005, 2010, 2055:
                if let subject { return .fileNotFound(subject) }
                return .folderNotFound("\(configuration.folder) on \(host)")
            case 2009:
                return .fileNotFound(subject ?? "?")
            default:
                return .network("pCloud \(host) answered \(method) with error \(quoted)")
            }
        case .exhausted(let attempts, let last):
            let inner = storageError(last, configuration: configuration, subject: subject)
            if case .network(let why) = inner { return .network("\(why) (gave up after \(attempts) attempts)") }
            return inner
        case .rangeNotSatisfiable(let contentHost):
            return .network("\(contentHost): range past the end of \(subject ?? "the file"): it changed since the listing")
        default:
            let what = subject.map { "reading \($0)" } ?? "talking to pCloud"
            return .network("\(what): \(error.description)")
        }
    }

    /// Which host to try when a token is refused with 2094.
    private static func regionHint(host: String, folder: String) -> String {
        let other: String? =
            switch host {
            case "api.pcloud.com": "eapi.pcloud.com"
            case "eapi.pcloud.com": "api.pcloud.com"
            default: nil
            }
        guard let other else {
            return "use pcloud://api.pcloud.com\(folder) (US) or pcloud://eapi.pcloud.com\(folder) (EU)"
        }
        return "try \(other) instead of \(host) (pcloud://\(other)\(folder == "/" ? "" : folder)?authid=...)"
    }
}

extension PCloudError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .api(let code, let message, let method): "\(method) answered error \(code) \(message)"
        case .status(let status, let host, let operation, _): "\(host) answered HTTP \(status) to \(operation)"
        case .transport(let error, let operation): "\(operation) on \(error.host) failed: \(error.message)"
        case .garbled(let why), .malformed(let why), .wrongRange(let why): why
        case .staleLink(let status, let host): "\(host) refused the download link (HTTP \(status))"
        case .rangeNotSatisfiable(let host): "\(host) answered 416 (range not satisfiable)"
        case .exhausted(let attempts, let last): "\(last.description) (gave up after \(attempts) attempts)"
        }
    }
}
