import ArgumentParser
internal import CProcess
#if canImport(Glibc)
import Glibc
#endif
import FuseKit

@main
struct Dupfs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupfs",
        abstract: "Browse and restore Duplicati 2.x backups on pCloud or in a local folder.",
        discussion: ManualText.rootDiscussion,
        version: Version.current,
        subcommands: [
            VersionsCommand.self, ListCommand.self, RestoreCommand.self, MountCommand.self, VerifyCommand.self,
            FindCommand.self, HistoryCommand.self,
        ])

    static func main() {
        // Secrets pass through this process's memory: no core dumps of it, and no other
        // process of the same user may read its memory or environment.
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
        _ = cprocess_set_nondumpable()
        // Secrets in the environment stay readable in /proc/PID/environ whatever unsetenv does:
        // run again without them (before any thread exists), then take them from the pipe.
        EnvironmentSecrets.reexecuteWithoutSecrets()
        _ = EnvironmentSecrets.handed
        // Two malloc arenas instead of one per busy thread: the mount's worker threads otherwise
        // each keep memory they freed (measured: a cold `ls -lR` of a million files peaked at
        // 820 MiB resident with glibc's default, 490 MiB with two arenas).
        _ = cprocess_limit_malloc_arenas(2)
        var arguments = Array(CommandLine.arguments.dropFirst())
        // `dupfs SOURCE MOUNTPOINT -o OPTIONS`, as mount.fuse3 runs type fuse.dupfs.
        if MountHelperForm.applies(to: arguments, subcommands: configuration.subcommands.map { $0._commandName } + ["help"]) {
            do {
                arguments = try MountHelperForm.mountArguments(from: arguments)
            } catch {
                Terminal.error(error.message)
                Glibc.exit(ExitStatus.usage.rawValue)
            }
        }
        // Before any thread exists, so that every thread inherits the mask and the mount's
        // signal thread is the one that receives them (sigwait).
        if arguments.first == "mount" { TerminationSignals.block() }
        ProcessTitle.scrubSecrets()
        main(arguments)
    }
}
