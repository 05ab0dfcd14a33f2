import Foundation
import TestSupport

/// Rows a, b, c and g: the backup with the 1 GiB file.
extension BenchRun {
    func measureBig(_ dataset: BenchDataset, setup: DupfsMount.Setup, emulator: EmulatorProcess) {
        measureSmallRestore(dataset, setup: setup, emulator: emulator)

        let (mountpoint, cache) = paths("big")
        let folder: String
        let mount: DupfsMount
        // (c) cold: empty cache folder, so the index is built from the remote volumes.
        do {
            log("c: cold mount of the big backup")
            var lsSeconds = 0.0
            (mount, lsSeconds) = try mountAndList(dataset, setup: setup, mountpoint: mountpoint, cache: cache)
            folder = mount.versionFolder(dataset)
            table.add("c", "cold mount → first `ls -l` of a version (\(Figures.bytes(scale.bigFileSize)) backup, empty cache)", Figures.seconds(mount.mountSeconds + lsSeconds))
        } catch {
            table.failed("c", "cold mount", error)
            return
        }

        // (g) 4 KiB random reads of the random file: cold (never fetched), then the same offsets again.
        let randomPath = "\(folder)/random.bin"
        let offsets = RandomReadProbe.offsets(fileSize: scale.randomFileSize, blocksize: scale.blocksize, count: scale.randomReads)
        do {
            log("g: \(offsets.count) random 4 KiB reads, cold then cached")
            let cold = try RandomReadProbe.latencies(path: randomPath, offsets: offsets)
            let cached = try RandomReadProbe.latencies(path: randomPath, offsets: offsets)
            let coldP50 = RandomReadProbe.percentile(cold, 50)
            table.add(
                "g", "4 KiB random reads, cold (block never fetched): p50 / p99",
                "\(Figures.milliseconds(coldP50)) / \(Figures.milliseconds(RandomReadProbe.percentile(cold, 99)))",
                target: "p50 < 5 ms", verdict: ResultTable.verdict(coldP50 < 0.005, by: Figures.milliseconds(coldP50 - 0.005)))
            let reference = try memoryFuseReference(source: randomPath, offsets: offsets)
            let cachedP50 = RandomReadProbe.percentile(cached, 50)
            let cachedP99 = RandomReadProbe.percentile(cached, 99)
            let refP50 = RandomReadProbe.percentile(reference, 50)
            table.add(
                "g", "4 KiB random reads, cached (same offsets again): p50 / p99",
                "\(Figures.milliseconds(cachedP50)) / \(Figures.milliseconds(cachedP99))",
                target: "p50 ≤ 2x memory FUSE fs (\(Figures.milliseconds(refP50)))",
                verdict: ResultTable.verdict(cachedP50 <= 2 * refP50, by: Figures.times(cachedP50 / refP50) + " of reference"))
            table.add(
                "g·ref", "same reads on squashfuse over an uncompressed image in /dev/shm (memory FUSE fs), cached: p50 / p99",
                "\(Figures.milliseconds(refP50)) / \(Figures.milliseconds(RandomReadProbe.percentile(reference, 99)))",
                verdict: "reference")
        } catch {
            table.failed("g", "random reads", error)
        }

        // (b) cat of the big file, first read, against the in-memory decode ceiling.
        var dupfsRate = 0.0
        do {
            log("b: cat of the big file through the mount")
            _ = dropCaches()
            let seconds = try readFile("\(folder)/big.txt")
            let size = dataset.facts["bigSize"] as? Int ?? scale.bigFileSize
            dupfsRate = Figures.rate(size, seconds)
            log("b: decode ceiling (in memory, \(ProcessInfo.processInfo.activeProcessorCount) threads)")
            let volumes = (dataset.facts["bigVolumes"] as? [String] ?? []).map { dataset.backup.appendingPathComponent($0) }
            let ceiling = try DecodeCeiling.measure(
                volumes: volumes, passphrase: BenchDataset.passphrase, threads: ProcessInfo.processInfo.activeProcessorCount)
            let ceilingRate = Figures.rate(ceiling.bytes, ceiling.seconds)
            let share = dupfsRate / ceilingRate
            table.add(
                "b", "`cat` of the \(Figures.bytes(size)) file via the mount (first read) vs in-memory decode ceiling",
                "\(Figures.mbps(dupfsRate)) = \(String(format: "%.0f%%", share * 100)) of \(Figures.mbps(ceilingRate))",
                target: "≥ 70% of ceiling",
                verdict: ResultTable.verdict(share >= 0.7, by: String(format: "%.0f points", (0.7 - share) * 100)))
        } catch {
            table.failed("b", "cat of the big file", error)
        }
        mount.unmount()

        // (c) warm: the same cache folder, index already built.
        do {
            log("c: warm remount")
            let (again, lsSeconds) = try mountAndList(dataset, setup: setup, mountpoint: mountpoint, cache: cache)
            again.unmount()
            let total = again.mountSeconds + lsSeconds
            table.add(
                "c", "warm remount → first `ls -l` (index built)", Figures.seconds(total), target: "< 0.5 s",
                verdict: ResultTable.verdict(total < 0.5, by: Figures.seconds(total - 0.5)))
        } catch {
            table.failed("c", "warm remount", error)
        }

        // (b) peers: first read of the same file through their mounts.
        var peerRates: [(String, Double)] = []
        forEachPeer(dataset) { peer, mount in
            _ = dropCaches()
            let seconds = try readFile("\(mount.root)/big.txt")
            let rate = Figures.rate(dataset.facts["bigSize"] as? Int ?? scale.bigFileSize, seconds)
            peerRates.append((peer.kind.rawValue, rate))
            table.add("b·\(peer.kind.rawValue)", "`cat` of the same file via `\(peer.kind.rawValue) mount` (local repository, first read)", Figures.mbps(rate), verdict: "reference")
        }
        if let best = bestPeer(peerRates, lowerIsBetter: false), dupfsRate > 0 {
            notes.append(String(format: "b: dupfs reads the big file at %.2fx the speed of %@", dupfsRate / best.1, best.0))
        }
    }

    /// (a) One small file copied out of the mount, counted in the emulator's log (every request
    /// after the mount is ready and its background index reading has gone quiet), twice: from a
    /// fresh mount with an empty cache (info: the volume's header and zip directory and the
    /// ancestors' metadata included), and from a fresh mount that has already read the files
    /// written next to it (so its volume is known: keys and directory), which the target is for.
    func measureSmallRestore(_ dataset: BenchDataset, setup: DupfsMount.Setup, emulator: EmulatorProcess) {
        let volumeName = dataset.facts["smallVolume"] as? String ?? ""
        let volumeSize = dataset.facts["smallVolumeSize"] as? Int ?? 0
        let stored: Int
        do {
            stored = try DecodeCeiling.storedSize(
                of: dataset.facts["smallEntry"] as? String ?? "", volume: dataset.backup.appendingPathComponent(volumeName),
                passphrase: BenchDataset.passphrase)
        } catch {
            table.failed("a", "restore one small file", error)
            return
        }
        let limit = stored + 65_536
        do {
            log("a: restoring the 10 KiB file from a fresh mount, empty cache")
            var warmUp: [[String: Any]] = []
            let requests = try copySmallFile(dataset, setup: setup, emulator: emulator, name: "small", warmUpRequests: &warmUp, warmUp: { _ in })
            let bytes = requests.reduce(0) { $0 + (($1["bytesSent"] as? Int) ?? 0) }
            table.add(
                "a", "restore one 10 KiB file (`cp`), fresh mount, empty cache: everything incl. header, directory, ancestors' metadata",
                "\(Figures.bytes(bytes)) in \(requests.count) requests (\(requests.count { $0["range"] != nil }) ranged) vs volume \(Figures.bytes(volumeSize)) → \(Figures.times(Double(volumeSize) / Double(max(bytes, 1)))) less",
                verdict: "info")
            notes += Self.describe(requests, row: "a (cold)")
        } catch {
            table.failed("a", "restore one small file, cold", error)
        }
        do {
            log("a: restoring the 10 KiB file once its volume is known (neighbours read first)")
            var warmUp: [[String: Any]] = []
            let requests = try copySmallFile(dataset, setup: setup, emulator: emulator, name: "small-known", warmUpRequests: &warmUp) { folder in
                // random.bin's last megabytes share the small file's volume: read one page 3 MiB
                // before its end, so the volume's keys and directory are known but nothing next
                // to the small file's own records (its metadata, then its data) was fetched.
                let skip = max(0, scale.randomFileSize - (3 << 20)) / 4096
                try ExternalCommand.require(
                    "dd", ["if=\(folder)/random.bin", "of=/dev/null", "bs=4096", "skip=\(skip)", "count=1", "status=none"])
            }
            if !warmUp.contains(where: { "\($0)".contains(volumeName) }) {
                notes.append("a: the warm-up read did not touch the small file's volume \(volumeName.prefix(24))…; the known-volume row is not what it says")
            }
            let bytes = requests.reduce(0) { $0 + (($1["bytesSent"] as? Int) ?? 0) }
            let ratio = Double(volumeSize) / Double(max(bytes, 1))
            var misses: [String] = []
            if requests.count > 2 { misses.append("\(requests.count - 2) request(s) over") }
            if bytes > limit { misses.append("\(Figures.bytes(bytes - limit)) over") }
            if ratio < 30 { misses.append(String(format: "ratio %.1fx < 30x", ratio)) }
            table.add(
                "a", "restore one 10 KiB file (`cp`) once its volume is known (the same mount read another file of that volume): bytes and requests vs its whole volume",
                "\(Figures.bytes(bytes)) in \(requests.count) requests (\(requests.count { $0["range"] != nil }) ranged) vs volume \(Figures.bytes(volumeSize)) → \(Figures.times(ratio)) less; stored block \(Figures.bytes(stored))",
                target: "≤ 2 requests, ≤ stored block + 64 KiB (\(Figures.bytes(limit))), ≥ 30x less",
                verdict: ResultTable.verdict(misses.isEmpty, by: misses.joined(separator: ", ")))
            notes += Self.describe(warmUp, row: "a (known volume, warm-up, not counted)")
            notes += Self.describe(requests, row: "a (known volume)")
        } catch {
            table.failed("a", "restore one small file, volume known", error)
        }
    }

    /// Mounts with a fresh cache folder, runs `warmUp` on the data set's folder, then copies
    /// the small file out and returns the requests the copy made (and in `warmUpRequests`
    /// those of the warm-up).
    private func copySmallFile(
        _ dataset: BenchDataset, setup: DupfsMount.Setup, emulator: EmulatorProcess, name: String,
        warmUpRequests: inout [[String: Any]], warmUp: (String) throws -> Void
    ) throws -> [[String: Any]] {
        let (mountpoint, cache) = paths(name)
        let mount = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
        defer { mount.unmount() }
        let folder = mount.versionFolder(dataset)
        let quiet = waitForQuiet(emulator)
        try warmUp(folder)
        let before = waitForQuiet(emulator)
        warmUpRequests = Array(emulator.requests().prefix(before).dropFirst(quiet))
        let target = runDir.appendingPathComponent("\(name).txt").path
        try ExternalCommand.require("cp", ["\(folder)/small.txt", target])
        let requests = Array(emulator.requests().prefix(waitForQuiet(emulator)).dropFirst(before))
        let copied = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? -1
        guard copied == dataset.facts["smallSize"] as? Int else { throw BenchError.wrongData("small.txt copied with \(copied) bytes") }
        return requests
    }

    /// One note line per request: method, file, range, bytes.
    static func describe(_ requests: [[String: Any]], row: String) -> [String] {
        requests.map { request in
            let file = (request["parameters"] as? [String: Any])?["file"] as? String
            let fields = [request["method"].map { "\($0)" }, file.map { String($0.prefix(24)) + "…" },
                          request["range"].map { "\($0)" }, request["bytesSent"].map { "\($0) B" }].compactMap { $0 }
            return "\(row): " + fields.joined(separator: " ")
        }
    }

    /// Waits until the emulator's log has not grown for a second (background index reading
    /// done, and the emulator logs after answering); returns the number of entries.
    func waitForQuiet(_ emulator: EmulatorProcess) -> Int {
        var count = emulator.requests().count
        var stableSince = Date()
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            usleep(250_000)
            let now = emulator.requests().count
            if now != count {
                count = now
                stableSince = Date()
            } else if Date().timeIntervalSince(stableSince) >= 1 {
                break
            }
        }
        return count
    }

    /// Mounts, then lists the data set's folder in the version; returns the mount and the `ls` time.
    func mountAndList(
        _ dataset: BenchDataset, setup: DupfsMount.Setup, mountpoint: String, cache: String
    ) throws -> (DupfsMount, Double) {
        let mount = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
        do {
            let ls = try ExternalCommand.require("ls", ["-l", mount.versionFolder(dataset)], discardOutput: true)
            return (mount, ls.seconds)
        } catch {
            mount.unmount()
            throw error
        }
    }

    /// The same reads on a memory-backed FUSE filesystem: squashfuse over an uncompressed
    /// squashfs image in /dev/shm holding the same file. Returns the cached pass's latencies.
    func memoryFuseReference(source: String, offsets: [Int64]) throws -> [Double] {
        guard ExternalCommand.which("squashfuse") != nil, ExternalCommand.which("mksquashfs") != nil else {
            throw BenchError.missing("squashfuse and mksquashfs (apt-get install squashfuse squashfs-tools) for the reference")
        }
        let shm = URL(fileURLWithPath: "/dev/shm/dupfs-bench-\(getpid())")
        try FileManager.default.createDirectory(at: shm.appendingPathComponent("tree"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: shm) }
        try ExternalCommand.require("cp", [source, shm.appendingPathComponent("tree/random.bin").path])
        let image = shm.appendingPathComponent("ref.sqfs").path
        try ExternalCommand.require("mksquashfs", [shm.appendingPathComponent("tree").path, image, "-noI", "-noD", "-noF", "-noX", "-no-progress", "-quiet"], discardOutput: true)
        try? FileManager.default.removeItem(at: shm.appendingPathComponent("tree"))
        let mountpoint = runDir.appendingPathComponent("mnt-squashfuse").path
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        try ExternalCommand.require("squashfuse", [image, mountpoint], detaches: true)
        defer { FuseMounts.unmount(mountpoint) }
        try FuseMounts.waitForMount(mountpoint, seconds: 10)
        let path = mountpoint + "/random.bin"
        _ = try RandomReadProbe.latencies(path: path, offsets: offsets)
        return try RandomReadProbe.latencies(path: path, offsets: offsets)
    }
}
