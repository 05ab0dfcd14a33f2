#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileAttributes {
    /// The attributes as the `struct stat` libfuse sends. Widths differ per architecture, so
    /// every field is converted with clamping, never trapping.
    var cStat: stat {
        var result = stat()
        result.st_ino = .init(clamping: inode)
        result.st_mode = .init(clamping: mode)
        result.st_nlink = .init(clamping: nlink)
        result.st_uid = .init(clamping: uid)
        result.st_gid = .init(clamping: gid)
        result.st_size = .init(clamping: size)
        result.st_blocks = .init(clamping: blocks)
        result.st_blksize = .init(clamping: blksize)
        result.st_mtim = mtime.cTimespec
        result.st_ctim = ctime.cTimespec
        result.st_atim = atime.cTimespec
        return result
    }
}

extension FileTimestamp {
    /// The timestamp as a `struct timespec`.
    var cTimespec: timespec {
        timespec(tv_sec: .init(clamping: seconds), tv_nsec: .init(clamping: nanoseconds))
    }
}

extension FilesystemStatistics {
    /// The statistics as the `struct statvfs` libfuse sends.
    var cStatvfs: statvfs {
        var result = statvfs()
        result.f_bsize = .init(clamping: blockSize)
        result.f_frsize = .init(clamping: blockSize)
        result.f_blocks = .init(clamping: blocks)
        result.f_bfree = .init(clamping: blocksFree)
        result.f_bavail = .init(clamping: blocksFree)
        result.f_files = .init(clamping: files)
        result.f_ffree = .init(clamping: filesFree)
        result.f_favail = .init(clamping: filesFree)
        result.f_namemax = .init(clamping: nameMax)
        return result
    }
}
