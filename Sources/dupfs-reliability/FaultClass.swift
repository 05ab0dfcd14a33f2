/// One kind of trouble the pCloud emulator is told to make while the readers run.
struct FaultClass: Sendable {
    /// The table row's name.
    let name: String
    /// Fault rules as a JSON array (the emulator README's shape), added when the class starts.
    let rules: String
    /// Switch the rules on and off (bursts) instead of leaving them on.
    var pulse = false
    /// Expire every issued link this often (seconds) while the class runs.
    var expireLinksEvery: Double?
    /// Revoke the mount's token halfway through.
    var revokesToken = false
    /// Whether every read must succeed (the fault must be invisible to readers).
    var mustPass = false

    /// The classes, in the order they run. Probabilities are per matching request; dupfs retries
    /// within `--io-timeout`, so most reads should still succeed, and none may return wrong bytes.
    static let all: [FaultClass] = [
        FaultClass(name: "no fault (baseline)", rules: "[]", mustPass: true),
        FaultClass(
            name: "HTTP 500/502/503 bursts (downloads)",
            rules: #"[{"method":"download","times":0,"probability":0.3,"action":"status","status":500},"#
                + #"{"method":"download","times":0,"probability":0.3,"action":"status","status":502},"#
                + #"{"method":"download","times":0,"probability":0.3,"action":"status","status":503,"retryAfter":1}]"#,
            pulse: true),
        FaultClass(
            name: "result 4000/5000 on getfilelink",
            rules: #"[{"method":"getfilelink","times":0,"probability":0.25,"action":"result","result":4000},"#
                + #"{"method":"getfilelink","times":0,"probability":0.25,"action":"result","result":5000}]"#),
        FaultClass(name: "dropped connections", rules: #"[{"method":"download","times":0,"probability":0.25,"action":"drop"}]"#),
        FaultClass(
            name: "truncated bodies",
            rules: #"[{"method":"download","times":0,"probability":0.25,"action":"truncate","afterBytes":3000}]"#),
        FaultClass(name: "flipped byte in downloads", rules: #"[{"method":"download","times":0,"probability":0.3,"action":"flip"}]"#),
        FaultClass(
            name: "stalled transfers (drip 500 B/s)",
            rules: #"[{"method":"download","times":0,"probability":0.2,"action":"drip","bytesPerSecond":500}]"#),
        FaultClass(name: "expired links (every 1 s)", rules: "[]", expireLinksEvery: 1, mustPass: true),
        FaultClass(name: "token revoked mid-mount", rules: "[]", revokesToken: true),
    ]
}
