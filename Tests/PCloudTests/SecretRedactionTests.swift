import HTTP
import Testing

@Suite struct SecretRedactionTests {
    @Test func masksCredentialQueryParameters() {
        let text = "GET https://api.pcloud.com/x?authid=SECRET1&path=/a&access_token=SECRET2#f"
        let redacted = SecretRedaction.redact(text)
        #expect(!redacted.contains("SECRET1"))
        #expect(!redacted.contains("SECRET2"))
        #expect(redacted.contains("path=/a"))
    }

    @Test func masksBearerTokens() {
        #expect(SecretRedaction.redact("Authorization: Bearer abc.def") == "Authorization: Bearer ***")
    }

    @Test func leavesLookalikeParameterNamesAlone() {
        #expect(SecretRedaction.redact("?xauth=keep") == "?xauth=keep")
    }

    @Test func dropsTheQueryForLogs() {
        #expect(SecretRedaction.withoutQuery("https://h:1/p?authid=S") == "https://h:1/p")
        #expect(SecretRedaction.host(of: "https://user@h.example:8443/p?q") == "h.example:8443")
        #expect(SecretRedaction.host(of: "nonsense") == "?")
    }
}
