import Foundation
import Synchronization

/// Holds the active fault rules and decides which fire for a request. Thread-safe.
package final class FaultController: Sendable {
    private struct State {
        var rules: [FaultRule] = []
        var nextID = 1
    }
    private let state = Mutex(State())

    /// Makes an empty controller.
    package init() {}

    /// Adds `rule` and returns its id.
    @discardableResult
    package func add(_ rule: FaultRule) -> Int {
        state.withLock { state in
            var rule = rule
            rule.id = state.nextID
            state.nextID += 1
            state.rules.append(rule)
            return rule.id
        }
    }

    /// Removes the rule with `id`; returns whether it existed.
    @discardableResult
    package func remove(id: Int) -> Bool {
        state.withLock { state in
            let before = state.rules.count
            state.rules.removeAll { $0.id == id }
            return state.rules.count != before
        }
    }

    /// Removes every rule.
    package func clear() {
        state.withLock { $0.rules.removeAll() }
    }

    /// The active rules, in the order they were added.
    package var rules: [FaultRule] {
        state.withLock { $0.rules }
    }

    /// The actions that fire for a request, consuming one use of each firing rule.
    /// - Parameters:
    ///   - method: The API method name, or `download`.
    ///   - names: File/folder names the request refers to, for `nameContains` filters.
    func fire(method: String, names: [String]) -> [FaultAction] {
        state.withLock { state in
            var actions: [FaultAction] = []
            var answered = false
            var index = 0
            while index < state.rules.count {
                let rule = state.rules[index]
                guard rule.matches(method: method, names: names) else {
                    index += 1
                    continue
                }
                if let p = rule.probability, Double.random(in: 0..<1) >= p {
                    index += 1
                    continue
                }
                if rule.action.isAnswer {
                    // A second answering rule waits for a later request instead of being wasted.
                    if answered {
                        index += 1
                        continue
                    }
                    answered = true
                }
                actions.append(rule.action)
                if let times = rule.times {
                    if times <= 1 {
                        state.rules.remove(at: index)
                        continue
                    }
                    state.rules[index].times = times - 1
                }
                index += 1
            }
            return actions
        }
    }
}
