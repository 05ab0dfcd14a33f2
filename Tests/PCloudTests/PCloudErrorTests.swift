import HTTP
import PCloud
import Storage
import Testing

@Suite struct PCloudErrorTests {
    private func configuration(host: String = "api.pcloud.com", token: String? = "SECRET-TOKEN") -> PCloudConfiguration {
        PCloudConfiguration(host: host, folder: "/Backups/job1", token: token)
    }

    @Test func transientResultCodesAndStatusesAreRetried() {
        for code in [4000, 5000, 5002] {
            #expect(PCloudError.api(code: code, message: "", method: "listfolder").isTransient)
        }
        for code in [1000, 2000, 2003, 2005, 2009, 2094, 7010] {
            #expect(!PCloudError.api(code: code, message: "", method: "listfolder").isTransient)
        }
        for status in [429, 500, 502, 503, 504] {
            #expect(PCloudError.status(status, host: "h", operation: "x", retryAfter: nil).isTransient)
        }
        for status in [400, 403, 404] {
            #expect(!PCloudError.status(status, host: "h", operation: "x", retryAfter: nil).isTransient)
        }
        #expect(PCloudError.staleLink(status: 410, host: "c").isTransient)
        #expect(!PCloudError.rangeNotSatisfiable(host: "c").isTransient)
    }

    @Test func rejectedTokenNamesTheOtherRegion() {
        let error = PCloudStore.storageError(
            .api(code: 2094, message: "Invalid 'access_token' provided.", method: "userinfo"),
            configuration: configuration(), subject: nil)
        guard case .accessDenied(let why) = error else {
            Issue.record("expected accessDenied, got \(error)")
            return
        }
        #expect(why.contains("pCloud rejected the access token (2094"))
        #expect(why.contains("eapi.pcloud.com"))
        #expect(!why.contains("SECRET-TOKEN"))
        let eu = PCloudStore.storageError(
            .api(code: 2094, message: "", method: "userinfo"), configuration: configuration(host: "eapi.pcloud.com"),
            subject: nil)
        #expect("\(eu)".contains("try api.pcloud.com"))
    }

    @Test func missingTokenExplainsHowToGiveOne() {
        let error = PCloudStore.storageError(
            .api(code: 1000, message: "Log in required.", method: "userinfo"), configuration: configuration(token: nil),
            subject: nil)
        guard case .accessDenied(let why) = error else {
            Issue.record("expected accessDenied, got \(error)")
            return
        }
        for hint in ["no access token", "?authid=", "--authid-file", "PCLOUD_AUTHID"] {
            #expect(why.contains(hint), "\(hint)")
        }
    }

    @Test func missingFolderAndFileMapToNotFound() {
        let folder = PCloudStore.storageError(
            .api(code: 2005, message: "Directory does not exist.", method: "listfolder"), configuration: configuration(),
            subject: nil)
        #expect(folder == .folderNotFound("/Backups/job1 on api.pcloud.com"))
        let file = PCloudStore.storageError(
            .api(code: 2009, message: "File not found.", method: "getfilelink"), configuration: configuration(),
            subject: "a.zip")
        #expect(file == .fileNotFound("a.zip"))
    }

    @Test func exhaustedNetworkErrorsSayHowOftenWeTried() {
        let http = HTTPError(kind: .timedOut, code: 28, host: "api.pcloud.com", message: "Operation timed out")
        let error = PCloudStore.storageError(
            .exhausted(attempts: 4, last: .transport(http, operation: "listfolder")), configuration: configuration(),
            subject: nil)
        guard case .network(let why) = error else {
            Issue.record("expected network, got \(error)")
            return
        }
        #expect(why.contains("api.pcloud.com"))
        #expect(why.contains("Operation timed out"))
        #expect(why.contains("4 attempts"))
    }

    @Test func folderPathsAreNormalized() {
        #expect(PCloudConfiguration.normalizedFolder("Backups/job1/") == "/Backups/job1")
        #expect(PCloudConfiguration.normalizedFolder("\\A\\ B ") == "/A/B")
        #expect(PCloudConfiguration.normalizedFolder("") == "/")
        #expect(PCloudConfiguration.normalizedFolder("//") == "/")
    }
}
