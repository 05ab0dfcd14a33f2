import Backup
import Testing

/// `dupfs find` patterns: exact names, and globs where `*` crosses `/`.
struct PathPatternTests {
    static func glob(_ text: String) throws -> PathPattern.Glob {
        guard case .glob(let glob) = try PathPattern(text) else {
            Issue.record("'\(text)' was not read as a glob")
            return try PathPattern.Glob("")
        }
        return glob
    }

    @Test func aPatternWithoutSlashOrWildcardsIsAnExactName() throws {
        #expect(try PathPattern("report.txt") == .name("report.txt"))
        #expect(try PathPattern("a\\b") == .name("a\\b"), "a backslash alone makes no glob")
        #expect(try PathPattern("x]") == .name("x]"))
        if case .name = try PathPattern("/report.txt") { Issue.record("a / makes a glob") }
        if case .name = try PathPattern("r?port") { Issue.record("? makes a glob") }
        if case .name = try PathPattern("[r]eport") { Issue.record("[ makes a glob") }
    }

    @Test func starCrossesSlashes() throws {
        let txt = try Self.glob("*.txt")
        #expect(txt.matches("/a.txt"))
        #expect(txt.matches("/data/deep/down/a.txt"))
        #expect(!txt.matches("/data/a.txt.bak"))
        let under = try Self.glob("/data/*/x")
        #expect(under.matches("/data/a/x"))
        #expect(under.matches("/data/a/b/c/x"))
        #expect(!under.matches("/data/x"))
        #expect(try Self.glob("/data/*").matches("/data/"))
        #expect(try Self.glob("*").matches(""))
        #expect(try Self.glob("**a**b*").matches("/xxaxxbxx"))
        #expect(!(try Self.glob("*a*b")).matches("/xxbxxa"))
    }

    @Test func matchingIsWholePathAndCaseSensitive() throws {
        let glob = try Self.glob("/Data/*.TXT")
        #expect(glob.matches("/Data/x.TXT"))
        #expect(!glob.matches("/data/x.TXT"))
        #expect(!glob.matches("/Data/x.txt"))
        #expect(!(try Self.glob("/data")).matches("/data/x"))
        #expect(!(try Self.glob("data/x")).matches("/data/x"), "anchored at the start")
    }

    @Test func questionMarkIsOneCharacterNotOneByte() throws {
        let glob = try Self.glob("/caf?.txt")
        #expect(glob.matches("/café.txt"))
        #expect(glob.matches("/cafe.txt"))
        #expect(!glob.matches("/caf.txt"))
        #expect(!glob.matches("/cafee.txt"))
        #expect(try Self.glob("/?").matches("/😀"))
        #expect(try Self.glob("/a?b").matches("/a/b"), "? matches / too")
    }

    @Test func setsRangesAndNegation() throws {
        let digits = try Self.glob("/v[0-9][0-9].log")
        #expect(digits.matches("/v07.log"))
        #expect(!digits.matches("/v7a.log"))
        let notDigit = try Self.glob("/v[!0-9]")
        #expect(notDigit.matches("/vx"))
        #expect(!notDigit.matches("/v5"))
        #expect(try Self.glob("/v[^0-9]").matches("/vx"))
        #expect(!(try Self.glob("/v[^0-9]")).matches("/v5"))
        #expect(try Self.glob("/[]x]").matches("/]"), "] first is a member")
        #expect(try Self.glob("/[!]]").matches("/x"))
        #expect(!(try Self.glob("/[!]]")).matches("/]"))
        #expect(try Self.glob("/[a-]").matches("/-"), "a - before ] is a member")
        #expect(try Self.glob("/[à-ÿ]").matches("/é"))
        #expect(!(try Self.glob("/[à-ÿ]")).matches("/e"))
        #expect(try Self.glob("/[abc]").matches("/b"))
        #expect(!(try Self.glob("/[abc]")).matches("/B"))
    }

    @Test func backslashMakesTheNextCharacterLiteral() throws {
        let glob = try Self.glob("/weird\\[1\\].txt")
        #expect(glob.matches("/weird[1].txt"))
        #expect(!glob.matches("/weird1.txt"))
        #expect(try Self.glob("/a\\*b").matches("/a*b"))
        #expect(!(try Self.glob("/a\\*b")).matches("/axb"))
        #expect(try Self.glob("/a\\?").matches("/a?"))
        #expect(try Self.glob("/[\\]]").matches("/]"))
        #expect(try Self.glob("/[a\\-z]").matches("/-"))
        #expect(!(try Self.glob("/[a\\-z]")).matches("/m"))
    }

    @Test func badPatternsAreRefusedWithAReason() {
        for text in ["", "/a[bc", "/a\\", "/[z-a]", "[!"] {
            #expect(throws: PathPattern.ParseError.self, "\(text)") { try PathPattern(text) }
        }
    }

    @Test func longPathsWithManyStarsStayFast() throws {
        // The one-backtrack-point matcher is linear per star, not exponential.
        let glob = try Self.glob("*a*a*a*a*a*a*a*b")
        #expect(!glob.matches("/" + String(repeating: "a", count: 5000)))
    }
}
