/// Stops the process when a fuzz body sees two code paths disagree (or an invariant broken):
/// libFuzzer then saves the input as a crash, and a regression test fails loudly.
/// - Parameters:
///   - condition: what must hold.
///   - message: what went wrong, for the crash report.
package func fuzzCheck(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        fatalError("fuzz invariant broken: \(message())", file: file, line: line)
    }
}
