#if canImport(Glibc)
import Glibc
#endif
import FuseKit
import Logging
import Testing

extension FuseMounts {
    /// Mounting, refusing bad mountpoints, and ending the loop.
    @Suite struct FuseSessionTests {
        let logger = Logger(label: "FuseSessionTests")

        private func mount(_ path: String, options: [String] = FuseSession.standardOptions(fsname: "toy", subtype: testSubtype))
            throws -> FuseSession
        {
            try FuseSession(mountpoint: path, options: options, filesystem: ToyFilesystem(), logger: logger)
        }

        @Test func missingMountpointIsReported() throws {
            let parent = try makeTemporaryDirectory()
            defer { rmdir(parent) }
            #expect(throws: FuseKitError.mountpointMissing(parent + "/absent")) { try mount(parent + "/absent") }
        }

        @Test func nonEmptyMountpointIsReportedUnlessAllowed() throws {
            let directory = try makeTemporaryDirectory()
            let file = directory + "/occupant"
            close(open(file, O_CREAT | O_WRONLY, 0o644))
            defer {
                unlink(file)
                rmdir(directory)
            }
            #expect(throws: FuseKitError.mountpointNotEmpty(directory)) { try mount(directory) }

            // `nonempty` opts out of the check; the mount then works.
            let session = try mount(directory, options: FuseSession.standardOptions(fsname: "toy", subtype: testSubtype, extra: ["nonempty"]))
            #expect(isMounted(session.mountpoint))
            session.exit()
            #expect(!isMounted(session.mountpoint))
        }

        @Test func fileAsMountpointIsReported() throws {
            let directory = try makeTemporaryDirectory()
            let file = directory + "/plain"
            close(open(file, O_CREAT | O_WRONLY, 0o644))
            defer {
                unlink(file)
                rmdir(directory)
            }
            #expect(throws: FuseKitError.mountpointNotDirectory(file)) { try mount(file) }
        }

        @Test func busyMountpointIsReported() throws {
            try withMountedToy { toy in
                #expect(throws: FuseKitError.mountpointBusy(toy.mountpoint)) { try mount(toy.mountpoint) }
            }
        }

        @Test func unknownOptionIsReportedWithLibfuseMessage() throws {
            let directory = try makeTemporaryDirectory()
            defer { rmdir(directory) }
            do {
                _ = try mount(directory, options: ["no_such_option_xyz"])
                Issue.record("mount with an unknown option succeeded")
            } catch let error as FuseKitError {
                guard case .sessionCreationFailed(_, let message) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(message.contains("no_such_option_xyz"), "message: \(message)")
            }
            #expect(!isMounted(directory))
        }

        @Test func exitFromAnotherThreadEndsRun() throws {
            let before = openDescriptors()
            let directory = try makeTemporaryDirectory()
            defer { rmdir(directory) }
            do {
                let session = try mount(directory)
                let outcome = RunOutcome()
                let runner = BackgroundThread {
                    do {
                        try session.run()
                        outcome.record("returned")
                    } catch {
                        outcome.record("threw \(error)")
                    }
                }
                #expect(waitUntil { isMounted(session.mountpoint) })
                var status = stat()
                #expect(stat(session.mountpoint + "/small.txt", &status) == 0)

                let stopper = BackgroundThread { session.exit() }
                #expect(stopper.join())
                #expect(runner.join(), "run() did not return after exit()")
                #expect(outcome.description == "returned")
                #expect(!isMounted(session.mountpoint))
                #expect(throws: FuseKitError.alreadyRun) { try session.run() }
            }
            #expect(openDescriptors() == before)
        }

        @Test func exitWhileAFileIsOpenEndsRunAfterItCloses() throws {
            let directory = try makeTemporaryDirectory()
            defer { rmdir(directory) }
            let session = try mount(directory)
            let outcome = RunOutcome()
            let runner = BackgroundThread {
                do {
                    try session.run()
                    outcome.record("returned")
                } catch {
                    outcome.record("threw \(error)")
                }
            }
            let descriptor = open(session.mountpoint + "/small.txt", O_RDONLY)
            try #require(descriptor >= 0)
            session.exit()
            // Lazily detached: gone from the namespace at once, served until the file closes.
            #expect(!isMounted(session.mountpoint))
            close(descriptor)
            #expect(runner.join(), "run() did not return after the last file closed")
            #expect(outcome.description == "returned")
        }

        @Test func terminationSignalEndsRun() throws {
            let directory = try makeTemporaryDirectory()
            defer { rmdir(directory) }
            let session = try mount(directory)
            let watcher = try session.exitOnTerminationSignals()
            let runner = BackgroundThread { try? session.run() }
            #expect(waitUntil { isMounted(session.mountpoint) })
            // Aimed at the watcher thread, which was born with the signal blocked: sigwait takes it.
            #expect(pthread_kill(pthread_t(watcher.threadID), SIGTERM) == 0)
            #expect(runner.join(), "run() did not return after SIGTERM")
            #expect(!isMounted(session.mountpoint))
            watcher.cancel()
        }

        @Test func exitBeforeRunMakesRunReturnAtOnce() throws {
            let directory = try makeTemporaryDirectory()
            defer { rmdir(directory) }
            let session = try mount(directory)
            session.exit()
            #expect(!isMounted(session.mountpoint))
            try session.run()
        }

        @Test func standardOptionsEscapeCommasInFsname() {
            let options = FuseSession.standardOptions(fsname: "pcloud://a,b\\c", subtype: "dupfs", allowOther: true, extra: ["max_read=131072"])
            #expect(options == ["fsname=pcloud://a\\,b\\\\c", "subtype=dupfs", "ro", "default_permissions", "allow_other", "max_read=131072"])
        }
    }
}
