import ArgumentParser
import Foundation

/// `dupfs-bench`: generates backups, serves them from the pCloud emulator, mounts them with
/// the built dupfs and prints one table of figures against the targets.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupfs-bench",
        abstract: "Measure dupfs through its mount against targets and against restic/borg.",
        discussion: """
            Needs root-free FUSE (fusermount3), the dupfs and pcloud-emulator binaries built beside \
            this one (or --bin), and for the peer rows restic and/or borg on PATH. Generated data \
            is kept in the work folder and reused by later runs of the same scale.
            """)

    @Flag(help: "Scaled-down sizes (64 MiB instead of 1 GiB, 5k files instead of 100k/50k/1M, 1k/5k files x 20 versions instead of 10k/100k x 100): about 3 minutes.")
    var quick = false

    @Option(help: ArgumentHelp("Work folder for data, repositories, caches and mountpoints (default /tmp/dupfs-bench).", valueName: "dir"))
    var work: String = "/tmp/dupfs-bench"

    @Option(help: ArgumentHelp("Folder holding the dupfs and pcloud-emulator binaries (default: beside this one).", valueName: "dir"))
    var bin: String?

    @Flag(help: "Skip restic and borg even when installed.")
    var noPeers = false

    @Option(help: ArgumentHelp("Only these sections, comma-separated: big (a,b,c,g), listing (d), mixed (e), huge (f), versions (h; brings huge along), wan (w).", valueName: "list"))
    var only: String?

    @Option(help: ArgumentHelp("Leave these sections out (also those --only brings along), comma-separated.", valueName: "list"))
    var skip: String?

    @Option(name: .customLong("versions-sets"), help: ArgumentHelp("The many-version data sets of the h rows, files x versions, comma-separated (default 10000x100,100000x100; quick 1000x20,5000x20).", valueName: "list"))
    var versionsSets: String?

    @Option(name: .customLong("wan-step-limit"), help: ArgumentHelp("Stop a WAN-section tar or restore after this many seconds and report it unfinished.", valueName: "seconds"))
    var wanStepLimit: Double = 600

    mutating func run() throws {
        let binFolder = bin.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let sections = only.map { Set($0.split(separator: ",").map(String.init)) }
        let skipped = Set((skip ?? "").split(separator: ",").map(String.init))
        let run = BenchRun(
            scale: quick ? .quick : .full, work: URL(fileURLWithPath: work), bin: binFolder,
            usePeers: !noPeers, sections: sections, skipped: skipped)
        run.wanStepLimit = wanStepLimit
        if let versionsSets {
            guard let sets = VersionsDataset.parseSets(versionsSets) else {
                throw ValidationError("--versions-sets takes FILESxVERSIONS[,...], e.g. 10000x100")
            }
            run.versionSets = sets
        }
        try run.run()
    }
}
