#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import FuseKit
import Synchronization
import Testing

extension FuseMounts {
    /// A ``LowLevelFilesystem`` served through a real mount, seen with plain POSIX calls.
    @Suite struct LowLevelFilesystemTests {
        @Test func statReportsTypeSizeModeAndTimes() throws {
            try withMountedToy { toy in
                var status = stat()
                #expect(stat(toy.mountpoint, &status) == 0)
                #expect(status.st_mode & S_IFMT == S_IFDIR)
                #expect(status.st_ino == 1)

                #expect(stat(toy.path("small.txt"), &status) == 0)
                #expect(status.st_mode == S_IFREG | 0o444)
                #expect(status.st_size == 13)
                #expect(status.st_mtim.tv_nsec == 123_456_789)

                #expect(stat(toy.path("empty.txt"), &status) == 0)
                #expect(status.st_size == 0)

                #expect(stat(toy.path("large.bin"), &status) == 0)
                #expect(status.st_size == off_t(ToyFilesystem.largeSize))
                #expect(status.st_blocks == blkcnt_t((ToyFilesystem.largeSize + 511) / 512))

                #expect(lstat(toy.path("link"), &status) == 0)
                #expect(status.st_mode & S_IFMT == S_IFLNK)
                #expect(status.st_size == 9)

                #expect(errnoOf { stat(toy.path("absent"), &status) } == ENOENT)
                #expect(errnoOf { stat(toy.path("small.txt/below"), &status) } == ENOTDIR)
            }
        }

        @Test func readdirListsEveryNameByteExact() throws {
            try withMountedToy { toy in
                let root = try #require(listDirectory(toy.mountpoint))
                let expectedRoot: [[UInt8]] =
                    [".", "..", "empty.txt", "small.txt", "large.bin", "link", "name with spaces.txt"].map { Array($0.utf8) }
                    + [ToyFilesystem.nfc, ToyFilesystem.nfd] + ["broken.bin", "docs", "many"].map { Array($0.utf8) }
                #expect(root == expectedRoot)

                let many = try #require(listDirectory(toy.path("many")))
                #expect(many.count == ToyFilesystem.manyCount + 2)
                guard case .directory(let children)? = toy.filesystem.node(at: [Array("many".utf8)])?.content else {
                    Issue.record("toy has no many/")
                    return
                }
                #expect(many == children.map(\.name))
                // Listing twice gives the same result (resumption cookies are stable).
                #expect(listDirectory(toy.path("many")) == many)
            }
        }

        @Test func normalizationTwinsAreDistinctFiles() throws {
            try withMountedToy { toy in
                #expect(readWholeFile(toy.path(bytes: ToyFilesystem.nfc)) == .success(Array("precomposed\n".utf8)))
                #expect(readWholeFile(toy.path(bytes: ToyFilesystem.nfd)) == .success(Array("decomposed\n".utf8)))
                #expect(readWholeFile(cPath(toy.path("name with spaces.txt"))) == .success(Array("spaces\n".utf8)))
            }
        }

        @Test func readlinkReturnsTargetAndFollowingReadsTheTarget() throws {
            try withMountedToy { toy in
                var buffer = [CChar](repeating: 0, count: 256)
                let count: Int = readlink(toy.path("link"), &buffer, buffer.count)
                #expect(count == 9)
                #expect(String(decoding: buffer[0..<max(0, count)].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "small.txt")
                #expect(readWholeFile(cPath(toy.path("link"))) == .success(Array("Hello, FUSE!\n".utf8)))
                #expect(errnoOf { Int32(readlink(toy.path("small.txt"), &buffer, buffer.count)) } == EINVAL)
            }
        }

        @Test func wholeFileAndRandomOffsetReadsMatchKnownBytes() throws {
            try withMountedToy { toy in
                let expected = ToyFilesystem.bytes(seed: 42, count: ToyFilesystem.largeSize)
                #expect(readWholeFile(cPath(toy.path("large.bin"))) == .success(expected))
                #expect(readWholeFile(cPath(toy.path("empty.txt"))) == .success([]))

                let descriptor = open(toy.path("large.bin"), O_RDONLY)
                try #require(descriptor >= 0)
                defer { close(descriptor) }
                var generator = SeededGenerator(state: 1)
                for _ in 0..<300 {
                    let offset = Int.random(in: 0...(expected.count + 10), using: &generator)
                    let count = Int.random(in: 0...300_000, using: &generator)
                    let got = try #require(readAt(descriptor, offset: offset, count: count))
                    let end = min(expected.count, offset + count)
                    let want = offset < expected.count ? Array(expected[offset..<end]) : []
                    #expect(got == want, "pread(\(offset), \(count))")
                }
                // lseek + read at the very end is EOF.
                #expect(lseek(descriptor, off_t(expected.count), SEEK_SET) == off_t(expected.count))
                var byte: UInt8 = 0
                #expect(read(descriptor, &byte, 1) == 0)
            }
        }

        @Test func eightParallelReadersSeeCorrectBytes() throws {
            try withMountedToy { toy in
                let expected = ToyFilesystem.bytes(seed: 42, count: ToyFilesystem.largeSize)
                let path = toy.path("large.bin")
                let mismatches = Mutex(0)
                let readers = (0..<8).map { index in
                    BackgroundThread {
                        let descriptor = open(path, O_RDONLY)
                        guard descriptor >= 0 else {
                            mismatches.withLock { $0 += 1 }
                            return
                        }
                        defer { close(descriptor) }
                        var generator = SeededGenerator(state: UInt64(100 + index))
                        for _ in 0..<150 {
                            let offset = Int.random(in: 0..<expected.count, using: &generator)
                            let count = Int.random(in: 1...200_000, using: &generator)
                            let want = Array(expected[offset..<min(expected.count, offset + count)])
                            if readAt(descriptor, offset: offset, count: count) != want {
                                mismatches.withLock { $0 += 1 }
                            }
                        }
                    }
                }
                for reader in readers {
                    #expect(reader.join(seconds: 120))
                }
                #expect(mismatches.withLock { $0 } == 0)
            }
        }

        /// Without `ro`, the kernel passes write-type calls to FuseKit, which must refuse them;
        /// with `ro`, the kernel refuses them itself. Either way: EROFS.
        @Test(arguments: [false, true])
        func everyWriteTypeCallFailsWithEROFS(readOnlyMount: Bool) throws {
            let options =
                readOnlyMount
                ? FuseSession.standardOptions(fsname: "toy", subtype: testSubtype)
                : ["fsname=toy", "subtype=\(testSubtype)"]
            try withMountedToy(options: options) { toy in
                let file = toy.path("small.txt")
                #expect(errnoOf { open(file, O_WRONLY) } == EROFS)
                #expect(errnoOf { open(file, O_RDWR) } == EROFS)
                #expect(errnoOf { open(file, O_RDONLY | O_TRUNC) } == EROFS)
                #expect(errnoOf { open(toy.path("new.txt"), O_WRONLY | O_CREAT, 0o644) } == EROFS)
                #expect(errnoOf { mkdir(toy.path("newdir"), 0o755) } == EROFS)
                #expect(errnoOf { unlink(file) } == EROFS)
                #expect(errnoOf { rmdir(toy.path("docs")) } == EROFS)
                #expect(errnoOf { rename(file, toy.path("renamed.txt")) } == EROFS)
                #expect(errnoOf { link(file, toy.path("hardlink")) } == EROFS)
                #expect(errnoOf { chmod(file, 0o600) } == EROFS)
                #expect(errnoOf { chown(file, 1, 1) } == EROFS)
                #expect(errnoOf { truncate(file, 0) } == EROFS)
                #expect(errnoOf { symlink("small.txt", toy.path("newlink")) } == EROFS)
                #expect(errnoOf { mknod(toy.path("fifo"), S_IFIFO | 0o644, 0) } == EROFS)
                let value: [UInt8] = [1, 2, 3]
                #expect(errnoOf { Xattr.set(file, "user.test", value) } == EROFS)
                #expect(errnoOf { Xattr.remove(file, "user.test") } == EROFS)
                // Reading still works afterwards.
                #expect(readWholeFile(cPath(file)) == .success(Array("Hello, FUSE!\n".utf8)))
            }
        }

        @Test func getxattrIsENODATAAndListIsEmpty() throws {
            try withMountedToy { toy in
                #expect(errnoOf { Int32(Xattr.get(toy.path("small.txt"), "user.anything", size: 64)) } == ENODATA)
                #expect(errnoOf { Int32(Xattr.get(toy.path("small.txt"), "user.anything", size: 0)) } == ENODATA)
                #expect(Xattr.listSize(toy.path("small.txt")) == 0)
            }
        }

        @Test func xattrENOSYSIsRememberedByTheKernelAndCallersGetEOPNOTSUPP() throws {
            try withMountedToy(filesystem: ToyFilesystem(xattrsUnsupported: true)) { toy in
                #expect(errnoOf { Int32(Xattr.get(toy.path("small.txt"), "user.anything", size: 64)) } == EOPNOTSUPP)
                #expect(errnoOf { Int32(Xattr.listSize(toy.path("small.txt"))) } == EOPNOTSUPP)
                let asked = toy.filesystem.xattrRequests.withLock { $0 }
                #expect(asked <= 2)
                // Every later call, on any node, is answered by the kernel without asking us.
                for name in ["small.txt", "large.bin", "docs", "docs/readme.md"] {
                    #expect(errnoOf { Int32(Xattr.get(toy.path(name), "security.selinux", size: 0)) } == EOPNOTSUPP)
                    // POSIX ACLs go through the kernel's ACL code, which reports "none" (ENODATA).
                    #expect([ENODATA, EOPNOTSUPP].contains(errnoOf { Int32(Xattr.get(toy.path(name), "system.posix_acl_access", size: 64)) }))
                    #expect(errnoOf { Int32(Xattr.listSize(toy.path(name))) } == EOPNOTSUPP)
                }
                #expect(toy.filesystem.xattrRequests.withLock { $0 } == asked)
            }
        }

        @Test func throwingCallbackFailsOnlyThatFileWithEIO() throws {
            try withMountedToy { toy in
                #expect(readWholeFile(cPath(toy.path("broken.bin"))) == .failure(POSIXFailure(code: EIO)))
                var status = stat()
                #expect(stat(toy.path("broken.bin"), &status) == 0)
                #expect(readWholeFile(cPath(toy.path("small.txt"))) == .success(Array("Hello, FUSE!\n".utf8)))
            }
        }

        @Test func unansweredRequestGetsEIOAtItsDeadlineWhileOthersAreServed() throws {
            try withMountedToy(filesystem: ToyFilesystem(slowFiles: true), requestTimeout: 2) { toy in
                // Answered later from another thread: the libfuse worker was not held.
                #expect(readWholeFile(cPath(toy.path("late.txt"))) == .success(Array("late\n".utf8)))
                let started = DispatchTime.now().uptimeNanoseconds
                let silent = Mutex<Result<[UInt8], POSIXFailure>?>(nil)
                let reader = BackgroundThread { silent.withLock { $0 = readWholeFile(cPath(toy.path("silent.bin"))) } }
                // While that read waits for its deadline, other requests are answered.
                while toy.filesystem.unanswered.withLock({ $0 }) == 0 { usleep(10_000) }
                #expect(readWholeFile(cPath(toy.path("small.txt"))) == .success(Array("Hello, FUSE!\n".utf8)))
                #expect(listDirectory(toy.path("docs")) != nil)
                #expect(reader.join())
                let waited = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                #expect(silent.withLock { $0 } == .failure(POSIXFailure(code: EIO)))
                // The kernel may ask once more for the page after the first EIO: each request gets the limit.
                #expect(waited >= 1.9 && waited < 30, "silent read answered after \(waited) s")
                #expect(toy.session.expiredRequests >= 1)
            }
        }

        @Test func statfsReportsFilesystemStatistics() throws {
            try withMountedToy { toy in
                var values = statvfs()
                #expect(statvfs(toy.mountpoint, &values) == 0)
                #expect(values.f_bsize == 4096)
                #expect(values.f_blocks == 1000)
                #expect(values.f_namemax == 255)
                #expect(values.f_flag & UInt(ST_RDONLY) != 0)
            }
        }

        @Test func readdirplusEntriesAreReportedAsLookups() throws {
            try withMountedToy { toy in
                _ = listDirectory(toy.path("docs"))
                #expect(toy.filesystem.countedLookups.withLock { $0 } >= 1)
            }
        }
    }
}
