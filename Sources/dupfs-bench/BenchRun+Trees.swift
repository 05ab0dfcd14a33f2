import Foundation

/// Rows d, e and f: many files.
extension BenchRun {
    /// (d) `ls -lR` of the version with the kernel's caches dropped, index built; and the peers.
    func measureListing(_ dataset: BenchDataset, setup: DupfsMount.Setup) {
        let (mountpoint, cache) = paths("listing")
        var dupfsSeconds = 0.0
        do {
            log("d: cold mount of \(dataset.fileCount) files")
            var mount = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            let folder = mount.versionFolder(dataset)
            let first = try listRecursively(folder)
            table.add("c", "cold mount of the \(dataset.fileCount)-file backup (index build) / first `ls -lR`", "\(Figures.seconds(mount.mountSeconds)) / \(Figures.seconds(first))")
            if !dropCaches() {
                mount.unmount()
                mount = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            }
            log("d: ls -lR with caches dropped")
            dupfsSeconds = try listRecursively(folder)
            mount.unmount()
        } catch {
            table.failed("d", "ls -lR", error)
            return
        }
        var peerTimes: [(String, Double)] = []
        forEachPeer(dataset) { peer, mount in
            _ = try listRecursively(mount.root)  // the peer's own first-listing work, like our index build
            _ = dropCaches()
            let seconds = try listRecursively(mount.root)
            peerTimes.append((peer.kind.rawValue, seconds))
            table.add("d·\(peer.kind.rawValue)", "`ls -lR` via `\(peer.kind.rawValue) mount`, kernel caches dropped, after one listing", Figures.seconds(seconds), verdict: "reference")
        }
        var misses: [String] = []
        if dupfsSeconds >= 3 { misses.append(Figures.seconds(dupfsSeconds - 3) + " over 3 s") }
        var target = "< 3 s"
        if let best = bestPeer(peerTimes, lowerIsBetter: true) {
            target += " and ≥ 10x faster than \(best.0)"
            let speedup = best.1 / dupfsSeconds
            if speedup < 10 { misses.append("only \(Figures.times(speedup)) faster than \(best.0)") }
        }
        table.add(
            "d", "`ls -lR` of a \(dataset.fileCount)-file version, kernel caches dropped, index built",
            Figures.seconds(dupfsSeconds), target: target, verdict: ResultTable.verdict(misses.isEmpty, by: misses.joined(separator: ", ")))
    }

    /// (e) every file of the mixed version read once (`tar cf - . | wc -c`); and the peers.
    func measureMixed(_ dataset: BenchDataset, setup: DupfsMount.Setup) {
        let (mountpoint, cache) = paths("mixed")
        var dupfsRate = 0.0
        do {
            log("e: mounting \(dataset.fileCount) mixed files")
            let mount = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            defer { mount.unmount() }
            _ = dropCaches()
            log("e: tar of the whole version")
            let (bytes, seconds) = try readEverything(mount.versionFolder(dataset))
            guard bytes >= dataset.totalBytes else { throw BenchError.wrongData("tar produced \(bytes) bytes for \(dataset.totalBytes) of files") }
            dupfsRate = Figures.rate(dataset.totalBytes, seconds)
        } catch {
            table.failed("e", "tar of the mixed version", error)
            return
        }
        var peerRates: [(String, Double)] = []
        forEachPeer(dataset) { peer, mount in
            _ = dropCaches()
            let (_, seconds) = try readEverything(mount.root)
            let rate = Figures.rate(dataset.totalBytes, seconds)
            peerRates.append((peer.kind.rawValue, rate))
            table.add("e·\(peer.kind.rawValue)", "`tar` of the same files via `\(peer.kind.rawValue) mount` (local repository)", Figures.mbps(rate), verdict: "reference")
        }
        var target = "≥ 3x the faster peer"
        var verdict = "no peer to compare"
        if let best = bestPeer(peerRates, lowerIsBetter: false) {
            target += " (\(best.0): ≥ \(Figures.mbps(3 * best.1)))"
            let factor = dupfsRate / best.1
            verdict = ResultTable.verdict(factor >= 3, by: "only \(Figures.times(factor)) of \(best.0)")
        }
        table.add(
            "e", "read every file of a \(dataset.fileCount)-file mixed version (\(Figures.bytes(dataset.totalBytes))): `tar cf - . | wc -c`",
            Figures.mbps(dupfsRate), target: target, verdict: verdict)
    }

    /// (f) peak memory of the mount process with a huge version, after `ls -lR`.
    func measureHuge(_ dataset: BenchDataset, setup: DupfsMount.Setup) {
        let (mountpoint, cache) = paths("huge")
        let limit = 200 << 20
        do {
            log("f: cold mount of \(dataset.fileCount) files (index build)")
            let cold = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            let coldList = try listRecursively(cold.versionFolder(dataset))
            let coldPeak = cold.peakMemory() ?? 0
            cold.unmount()
            table.add(
                "f", "cold mount of \(dataset.fileCount) files (index build) / `ls -lR` / peak memory incl. the build and that cold listing",
                "\(Figures.seconds(cold.mountSeconds)) / \(Figures.seconds(coldList)) / \(Figures.bytes(coldPeak))")
            if let bytes = try? Self.indexBytes(cache) {
                table.add(
                    "f", "index on disk after that (cache folder without logs and cached volumes), per entry",
                    "\(Figures.bytes(bytes)); \(String(format: "%.0f", Double(bytes) / Double(max(dataset.fileCount, 1)))) B / file")
            }
            log("f: warm mount, ls -lR, VmHWM")
            let warm = try DupfsMount.mount(dataset, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            defer { warm.unmount() }
            _ = try listRecursively(warm.versionFolder(dataset))
            let peak = warm.peakMemory() ?? 0
            table.add(
                "f", "peak memory (VmHWM) of the mount process, \(dataset.fileCount)-file version, after `ls -lR` (index built)",
                Figures.bytes(peak), target: "< 200 MiB",
                verdict: ResultTable.verdict(peak < limit, by: Figures.bytes(peak - limit)))
        } catch {
            table.failed("f", "peak memory", error)
        }
    }
}
