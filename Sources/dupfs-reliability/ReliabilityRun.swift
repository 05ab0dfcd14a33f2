import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One whole reliability run: the fixture, the emulator, every fault class on a fresh mount with
/// a recovery pass after it, the damaged backups, and the soak.
final class ReliabilityRun {
    /// What the command line chose.
    struct Settings {
        var bin: String
        var threads: Int
        var ioTimeout: Double
        var slack: Double
        var operations: Int
        var recoveryOperations: Int
        var files: Int
        var largestFile: Int
        var volumeSize: Int
        /// Cap on the time one phase may start new reads.
        var phaseSeconds: Double
        var soakSeconds: Double
        var short: Bool
        var seed: UInt64
        /// Run only the classes whose name contains this.
        var only: String?
        /// Milliseconds every request waits before its answer (the link's round trip), faults or not.
        var latencyMs: Int = 0
    }

    private static let token = "rel-token"
    private let settings: Settings
    private let work: URL
    private let dupfs: String
    private let emulatorBinary: String
    private var seed: UInt64

    /// Checks the binaries and FUSE.
    /// - Throws: `ReliabilityError.missingBinary`.
    init(settings: Settings, work: URL) throws {
        self.settings = settings
        self.work = work
        dupfs = settings.bin + "/dupfs"
        emulatorBinary = settings.bin + "/pcloud-emulator"
        seed = settings.seed
        for path in [dupfs, emulatorBinary, "/usr/bin/fusermount3", "/usr/bin/curl"] where !FileManager.default.isExecutableFile(atPath: path) {
            throw ReliabilityError.missingBinary(path)
        }
        guard FileManager.default.fileExists(atPath: "/dev/fuse") else { throw ReliabilityError.missingBinary("/dev/fuse") }
    }

    /// One read(2) may be answered by two kernel requests, each with its own --io-timeout: the
    /// read-ahead the kernel sent, then (when that failed) its own read of the page the caller
    /// waits for.
    private var hangLimit: Double { (2 * settings.ioTimeout + settings.slack) * 1000 }

    private func progress(_ text: String) {
        FileHandle.standardError.write(Data("[reliability] \(text)\n".utf8))
    }

    /// Runs everything and returns the report.
    /// - Throws: when the set-up fails (not when dupfs misbehaves: that is in the report).
    func execute() throws -> ReliabilityReport {
        let started = Date()
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let drive = work.appendingPathComponent("drive")
        let backupFolder = drive.appendingPathComponent("Backups/rel")
        progress("writing the fixture (\(settings.files) files)")
        let fixture = try ReliabilityFixture(
            directory: backupFolder, fileCount: settings.files, largestFile: settings.largestFile, volumeSize: settings.volumeSize)
        fixtureFiles = fixture.files
        let passFile = work.appendingPathComponent("pass").path
        try Data((ReliabilityFixture.passphrase + "\n").utf8).write(to: URL(fileURLWithPath: passFile))
        try FileManager.default.createDirectory(at: work.appendingPathComponent("logs"), withIntermediateDirectories: true)

        var report = ReliabilityReport(settings: settings, fixture: fixture)
        let emulator = try EmulatorProcess(
            executable: URL(fileURLWithPath: emulatorBinary), root: drive, work: work.appendingPathComponent("emulator"),
            tokens: [Self.token])
        defer { emulator.stop() }
        var control = EmulatorControl(baseURL: emulator.httpsURL, caPath: emulator.caPath, secret: emulator.controlSecret)
        if settings.latencyMs > 0 {
            // A link with a round trip: every request waits, during faults and between them.
            control.standing = #"[{"method":"*","times":null,"action":"delay","ms":\#(settings.latencyMs)}]"#
            try control.clearRules()
        }
        let pcloudURL = "pcloud://api.pcloud.com/Backups/rel"
        func pcloudOptions(_ log: String) -> [String] {
            ["--pcloud-api", emulator.httpsURL, "--ca-file", emulator.caPath, "--cache-dir", work.appendingPathComponent("cache-pcloud").path,
             "--passphrase-file", passFile, "--io-timeout", String(settings.ioTimeout), "--memory-cache", "0", "--cache-size", "0",
             "--log-file", work.appendingPathComponent("logs/\(log).log").path]
        }
        let environment = ["PCLOUD_AUTHID": Self.token]

        // Fault classes, each on a fresh mount (no kernel or dupfs state carried over), each
        // followed by a recovery pass on the same mount once the faults are cleared.
        let recovery = ClassTally("recovery: same mount, faults cleared")
        for (index, fault) in FaultClass.all.enumerated() where settings.only.map({ fault.name.contains($0) }) ?? true {
            progress("class: \(fault.name)")
            let tally = ClassTally(fault.name)
            report.rows.append(tally)
            let mount: MountedBackup
            do {
                mount = try MountedBackup(
                    dupfs: dupfs, url: pcloudURL, mountpoint: work.appendingPathComponent("mnt/p\(index)").path,
                    options: pcloudOptions("class-\(index)"), environment: environment)
            } catch {
                tally.note("MOUNT FAILED: \(error)")
                report.setupFailures += 1
                continue
            }
            let load = makeLoad(mount)
            let pid = mount.pid
            listTree(mount)
            try apply(fault, control: control) {
                if fault.revokesToken {
                    runLoad(load, tally, operations: settings.operations / 2, mustPass: { _ in fault.mustPass }, pid: pid)
                    try control.revoke(token: Self.token)
                    runLoad(load, tally, operations: settings.operations - settings.operations / 2, mustPass: { _ in false }, pid: pid)
                } else {
                    runLoad(load, tally, operations: settings.operations, mustPass: { _ in fault.mustPass }, pid: pid)
                }
            }
            if fault.revokesToken {
                // A revoked token stays revoked on the real service: no recovery pass expected.
                try control.accept(token: Self.token)
            } else if !MountedBackup.isServing(pid) {
                tally.note("no recovery pass: the mount is gone")
            } else {
                let pass = ClassTally("recovery after \(fault.name)")
                runLoad(load, pass, operations: settings.recoveryOperations, mustPass: { _ in true }, pid: pid)
                recovery.absorb(pass, label: fault.name)
            }
            if let sample = ProcessSample.take(pid) { report.classPeakRSS = max(report.classPeakRSS, sample.residentBytes) }
            mount.unmount()
        }
        if recovery.operations > 0 { report.rows.append(recovery) }

        // Damaged backups, read from a folder (file://).
        for damage in BackupDamage.all(fixture) where settings.only.map({ damage.name.contains($0) }) ?? true {
            progress("damage: \(damage.name)")
            let tally = ClassTally(damage.name)
            report.rows.append(tally)
            let copy = work.appendingPathComponent("damaged/\(damage.key)")
            try? FileManager.default.removeItem(at: copy)
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fixture.copy(to: copy)
            try damage.apply(copy)
            let affected = fixture.files.filter { damage.mayFail($0) }
            tally.note("(\(affected.count) of \(fixture.files.count) files may fail)")
            let mount: MountedBackup
            do {
                mount = try MountedBackup(
                    dupfs: dupfs, url: "file://" + copy.path, mountpoint: work.appendingPathComponent("mnt/\(damage.key)").path,
                    options: ["--cache-dir", work.appendingPathComponent("cache-\(damage.key)").path, "--passphrase-file", passFile,
                              "--io-timeout", String(settings.ioTimeout), "--memory-cache", "0", "--cache-size", "0",
                              "--log-file", work.appendingPathComponent("logs/\(damage.key).log").path],
                    environment: [:])
            } catch {
                tally.note("MOUNT FAILED: \(error)")
                report.setupFailures += 1
                continue
            }
            let mayFail = damage.mayFail
            runLoad(makeLoad(mount), tally, operations: settings.operations, mustPass: { !mayFail($0) }, pid: mount.pid)
            mount.unmount()
        }

        if settings.soakSeconds > 0 && settings.only == nil {
            try soak(report: &report, control: control, url: pcloudURL, options: pcloudOptions("soak"), environment: environment)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// One mount for the whole soak: the fault classes in turn, each switched on for a while and
    /// then off (a recovery phase), with memory and descriptors sampled at the start and end.
    private func soak(report: inout ReliabilityReport, control: EmulatorControl, url: String, options: [String], environment: [String: String]) throws {
        progress("soak: \(Int(settings.soakSeconds)) s")
        let on = ClassTally("soak: faults on (all classes in turn)")
        let off = ClassTally("soak: faults off")
        report.rows += [on, off]
        let mount: MountedBackup
        do {
            mount = try MountedBackup(
                dupfs: dupfs, url: url, mountpoint: work.appendingPathComponent("mnt/soak").path, options: options, environment: environment)
        } catch {
            on.note("MOUNT FAILED: \(error)")
            report.setupFailures += 1
            return
        }
        defer { mount.unmount() }
        listTree(mount)
        let load = makeLoad(mount)
        let pid = mount.pid
        let faultOn = settings.short ? 2.0 : 20.0
        let faultOff = settings.short ? 1.0 : 10.0
        // Warm up (thread pools, connections, the block index) before the first sample.
        runLoad(load, off, operations: nil, seconds: faultOff, mustPass: { _ in true }, pid: pid)
        report.soakStart = ProcessSample.take(pid)
        let deadline = Date().addingTimeInterval(settings.soakSeconds)
        let cycle = FaultClass.all.filter { !$0.mustPass || $0.expireLinksEvery != nil }.filter { !$0.revokesToken }
        var step = 0
        while Date() < deadline {
            let fault = cycle[step % cycle.count]
            step += 1
            try apply(fault, control: control) {
                runLoad(load, on, operations: nil, seconds: faultOn, mustPass: { _ in fault.mustPass }, pid: pid)
            }
            runLoad(load, off, operations: nil, seconds: faultOff, mustPass: { _ in true }, pid: pid)
        }
        report.soakEnd = ProcessSample.take(pid)
        report.soakCycles = step
    }

    /// Switches a class's faults on, runs `body`, and switches them off again.
    private func apply(_ fault: FaultClass, control: EmulatorControl, _ body: () throws -> Void) throws {
        var loops: [BackgroundLoop] = []
        if fault.pulse {
            loops.append(BackgroundLoop(interval: 0.6) { step in
                if step % 2 == 0 { try? control.addRules(json: fault.rules) } else { try? control.clearRules() }
            })
        } else {
            try control.addRules(json: fault.rules)
        }
        if let every = fault.expireLinksEvery {
            loops.append(BackgroundLoop(interval: every) { _ in try? control.expireLinks() })
        }
        defer {
            for loop in loops { loop.stop() }
            try? control.clearRules()
        }
        try body()
    }

    /// Looks every file up once before the faults start, as a user lists a folder before
    /// reading from it: the classes measure reads. (Attributes are never made up, so on a cold
    /// mount during a total stall each level of a path waits its own --io-timeout before EIO;
    /// cold walks are tested by ColdAttributesTests.)
    private func listTree(_ mount: MountedBackup) {
        for file in fixtureFiles {
            var info = stat()
            _ = lstat(mount.mountpoint + "/latest/" + file.relativePath, &info)
        }
    }

    private func makeLoad(_ mount: MountedBackup) -> ReadLoad {
        ReadLoad(
            versionFolder: mount.mountpoint + "/latest", files: fixtureFiles, threads: settings.threads, maxLength: 65_536,
            hangLimit: hangLimit, killLimit: hangLimit + (settings.short ? 15_000 : 60_000))
    }

    private var fixtureFiles: [ReliabilityFixture.File] = []

    private func runLoad(
        _ load: ReadLoad, _ tally: ClassTally, operations: Int?, seconds: Double? = nil,
        mustPass: @escaping @Sendable (ReliabilityFixture.File) -> Bool, pid: pid_t
    ) {
        seed &+= 1
        load.run(into: tally, operations: operations, seconds: seconds ?? settings.phaseSeconds, seed: seed, mustPass: mustPass) {
            kill(pid, SIGKILL)
        }
    }
}
