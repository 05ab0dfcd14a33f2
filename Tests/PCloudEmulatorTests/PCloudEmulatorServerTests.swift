import Foundation
import Testing
@testable import PCloudEmulator

@Suite("PCloudEmulatorServer API")
struct PCloudEmulatorServerTests {
    @Test func missingTokenAnswersLoginRequired() async throws {
        let fixture = try await EmulatorFixture.start()
        let answer = try await fixture.api("listfolder?folderid=0", token: nil)
        #expect(answer.status == 200)
        #expect(try answer.result() == 1000)
        #expect(try answer.json()["error"] as? String == "Log in required.")
        await fixture.stop()
    }

    @Test func unknownBearerAndAccessTokenAnswer2094AndUnknownAuthAnswers2000() async throws {
        let fixture = try await EmulatorFixture.start()
        #expect(try await fixture.api("userinfo", token: "wrong").result() == 2094)
        #expect(try await fixture.api("userinfo?access_token=wrong", token: nil).result() == 2094)
        #expect(try await fixture.api("userinfo?auth=wrong", token: nil).result() == 2000)
        #expect(try await fixture.api("userinfo?access_token=emulator-token", token: nil).result() == 0)
        await fixture.stop()
    }

    @Test func tokenOfOtherRegionIsRefusedWith2094() async throws {
        let fixture = try await EmulatorFixture.start { $0.tokens = ["us-token": .us, "eu-token": .eu] }
        #expect(try await fixture.api("userinfo", token: "eu-token").result() == 2094)
        #expect(try await fixture.api("userinfo", token: "us-token").result() == 0)
        await fixture.stop()
    }

    @Test func leadingDoubleSlashIsAccepted() async throws {
        let fixture = try await EmulatorFixture.start()
        #expect(try await fixture.api("/listfolder?folderid=0").result() == 0)
        await fixture.stop()
    }

    @Test func listfolderReturnsSortedContentsWithDatesAndDeterministicIDs() async throws {
        let fixture = try await EmulatorFixture.start()
        let root = try await fixture.api("listfolder?folderid=0").json()
        let metadata = try #require(root["metadata"] as? [String: Any])
        #expect(metadata["folderid"] as? Int == 0)
        let contents = try #require(metadata["contents"] as? [[String: Any]])
        #expect(contents.map { $0["name"] as? String } == ["Backups", "Other"])
        #expect(contents.allSatisfy { $0["contents"] == nil })
        #expect(contents[0]["folderid"] as? Int == 1)
        let created = try #require(contents[0]["created"] as? String)
        #expect(created.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression) != nil)

        let job = try await fixture.api("listfolder?path=/Backups/job1").json()
        let files = try #require((job["metadata"] as? [String: Any])?["contents"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["a.txt", "b.bin", "empty.dat"])
        #expect(files.map { $0["size"] as? Int } == [12, 100_000, 0])
        #expect(files.allSatisfy { $0["hash"] != nil && $0["modified"] != nil && $0["isfolder"] as? Bool == false })
        await fixture.stop()
    }

    @Test func recursiveListingNestsContentsAndCanBeRefusedOnRoot() async throws {
        let fixture = try await EmulatorFixture.start { $0.refuseRootRecursive = true }
        #expect(try await fixture.api("listfolder?folderid=0&recursive=1").result() == 1101)
        let backups = try await fixture.api("listfolder?path=/Backups&recursive=1").json()
        let contents = try #require((backups["metadata"] as? [String: Any])?["contents"] as? [[String: Any]])
        let job = try #require(contents.first { $0["name"] as? String == "job1" })
        #expect((job["contents"] as? [[String: Any]])?.count == 3)
        let foldersOnly = try await fixture.api("listfolder?path=/Backups/job1&nofiles=1").json()
        #expect(((foldersOnly["metadata"] as? [String: Any])?["contents"] as? [Any])?.isEmpty == true)
        await fixture.stop()
    }

    @Test func unknownFolderAnswers2005AndMissingIdentifierAnswers1002() async throws {
        let fixture = try await EmulatorFixture.start()
        #expect(try await fixture.api("listfolder?path=/nope").result() == 2005)
        #expect(try await fixture.api("listfolder?folderid=999999").result() == 2005)
        #expect(try await fixture.api("listfolder").result() == 1002)
        await fixture.stop()
    }

    @Test func statAndChecksumfileDescribeTheFile() async throws {
        let fixture = try await EmulatorFixture.start()
        let id = try await fixture.fileID("/Backups/job1/a.txt")
        let stat = try await fixture.api("stat?fileid=\(id)").json()
        #expect((stat["metadata"] as? [String: Any])?["name"] as? String == "a.txt")
        #expect(try await fixture.api("stat?fileid=987654").result() == 2009)
        let sums = try await fixture.api("checksumfile?fileid=\(id)").json()
        #expect(sums["sha1"] as? String == "22596363b3de40b06f981fb85d82312e8c0ed511")
        #expect(sums["md5"] as? String == "6f5902ac237024bdd0c176cb93063dc4")
        #expect(sums["sha256"] == nil)
        #expect(try await fixture.api("checksumfile?fileid=987654").result() == 2009)
        await fixture.stop()
    }

    @Test func euInstanceReportsSha256InsteadOfMd5() async throws {
        let fixture = try await EmulatorFixture.start {
            $0.region = .eu
            $0.tokens = ["emulator-token": .eu]
        }
        let id = try await fixture.fileID("/Backups/job1/a.txt")
        let sums = try await fixture.api("checksumfile?fileid=\(id)").json()
        #expect(sums["md5"] == nil)
        #expect(sums["sha256"] as? String == "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447")
        await fixture.stop()
    }

    @Test func userinfoReportsUsedQuota() async throws {
        let fixture = try await EmulatorFixture.start()
        let info = try await fixture.api("userinfo", method: "POST").json()
        #expect(info["usedquota"] as? Int == 100_016)
        #expect((info["quota"] as? Int ?? 0) > 100_016)
        await fixture.stop()
    }

    @Test func rawAndMultipartUploadsStoreBytesAndAnswerChecksums() async throws {
        let fixture = try await EmulatorFixture.start()
        let payload = fixture.directory.appendingPathComponent("payload.bin")
        try Data((0..<5000).map { UInt8($0 % 251) }).write(to: payload)
        let raw = try await fixture.api(
            "uploadfile?path=/Backups/job1&filename=new.bin&nopartial=1&mtime=1700000000", method: "PUT",
            extra: ["--data-binary", "@\(payload.path)", "-H", "Content-Type: application/octet-stream"])
        let answer = try raw.json()
        #expect(answer["result"] as? Int == 0)
        let metadata = try #require((answer["metadata"] as? [[String: Any]])?.first)
        #expect(metadata["size"] as? Int == 5000)
        #expect(metadata["modified"] as? String == "Tue, 14 Nov 2023 22:13:20 +0000")
        #expect((answer["checksums"] as? [[String: Any]])?.first?["md5"] as? String != nil)
        #expect(try Data(contentsOf: fixture.root.appendingPathComponent("Backups/job1/new.bin")) == Data(contentsOf: payload))

        let multipart = try await fixture.api(
            "uploadfile", method: "POST",
            extra: ["-F", "nopartial=1", "-F", "path=/Other", "-F", "filename=form.txt", "-F", "content=@\(payload.path);filename=form.txt"])
        #expect(try multipart.result() == 0)
        #expect(try Data(contentsOf: fixture.root.appendingPathComponent("Other/form.txt")) == Data(contentsOf: payload))
        let listing = try await fixture.api("listfolder?path=/Other").json()
        let names = ((listing["metadata"] as? [String: Any])?["contents"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["form.txt", "note.txt"])
        await fixture.stop()
    }

    @Test func createDeleteAndRenameChangeTheDrive() async throws {
        let fixture = try await EmulatorFixture.start()
        let created = try await fixture.api("createfolder?folderid=0&name=New", method: "POST").json()
        let folderID = try #require((created["metadata"] as? [String: Any])?["folderid"] as? Int)
        #expect(try await fixture.api("createfolder?folderid=0&name=New").result() == 2004)
        #expect(try await fixture.api("createfolder?folderid=424242&name=X").result() == 2005)
        let again = try await fixture.api("createfolderifnotexists?folderid=0&name=New").json()
        #expect(again["created"] as? Bool == false)
        let id = try await fixture.fileID("/Other/note.txt")
        #expect(try await fixture.api("renamefile?fileid=\(id)&tofolderid=\(folderID)&toname=moved.txt").result() == 0)
        #expect(FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("New/moved.txt").path))
        let deleted = try await fixture.api("deletefile?fileid=\(id)").json()
        #expect((deleted["metadata"] as? [String: Any])?["isdeleted"] as? Bool == true)
        #expect(try await fixture.api("deletefile?fileid=\(id)").result() == 2009)
        let trash = try await fixture.api("listfolder?folderid=\(folderID)&showdeleted=1").json()
        let entries = try #require((trash["metadata"] as? [String: Any])?["contents"] as? [[String: Any]])
        #expect(entries.first?["isdeleted"] as? Bool == true)
        await fixture.stop()
    }
}
