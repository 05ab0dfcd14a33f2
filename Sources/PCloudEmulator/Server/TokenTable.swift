import Synchronization

/// Accepted access tokens and the instance's region; changeable at run time. Thread-safe.
package final class TokenTable: Sendable {
    private struct State {
        var tokens: [String: Region]
        var region: Region
    }
    private let state: Mutex<State>

    init(tokens: [String: Region], region: Region) {
        state = Mutex(State(tokens: tokens, region: region))
    }

    /// Accepts `token` from now on, as belonging to `region`.
    package func add(_ token: String, region: Region) {
        state.withLock { $0.tokens[token] = region }
    }

    /// Stops accepting `token` (its requests then get 2094); returns whether it was known.
    @discardableResult
    package func revoke(_ token: String) -> Bool {
        state.withLock { $0.tokens.removeValue(forKey: token) != nil }
    }

    /// The region this instance plays.
    package var region: Region {
        get { state.withLock { $0.region } }
        set { state.withLock { $0.region = newValue } }
    }

    /// Whether `token` is accepted here (known, and of this instance's region).
    func accepts(_ token: String) -> Bool {
        state.withLock { state in state.tokens[token] == state.region }
    }
}
