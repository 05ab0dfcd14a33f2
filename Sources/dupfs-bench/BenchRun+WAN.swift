import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// What one pass of the WAN steps measured, over the emulator or from the local folder.
struct WANSteps {
    /// From the start of `dupfs mount` (empty cache) until `ls MOUNT` returned.
    var rootSeconds = 0.0
    /// From the start of the same mount until `ls MOUNT/latest/` returned.
    var latestSeconds = 0.0
    /// `ls -lR` of the newest version right after those (cold: no file metadata read yet).
    var listSeconds = 0.0
    /// That listing's text (relative paths), to compare attributes with the local one.
    var listing = ""
    /// `cat` of one small file on a fresh mount, page cache dropped.
    var catSeconds = 0.0
    /// The requests that arrived while `cat` ran, background work included (none for file://).
    var catRequests: [[String: Any]] = []
    /// `tar cf - . | wc -c` of the newest version on a fresh mount.
    var tarSeconds = 0.0
    /// Bytes the emulator sent from the start of that mount to the end of the tar.
    var tarDownloaded = 0
    /// The tar was stopped at the step limit.
    var tarStopped = false
    /// `dupfs restore` of the whole newest version, empty cache.
    var restoreSeconds = 0.0
    /// Bytes the emulator sent during that restore.
    var restoreDownloaded = 0
    /// The restore was stopped at the step limit.
    var restoreStopped = false
}

/// The `w` rows: the same steps over a modelled WAN (the emulator's latency and rates) and from
/// the backup folder itself (file://), against bounds computed from the needed volume bytes.
extension BenchRun {
    /// The modelled link of the WAN rows: per-connection and shared rates, in bytes per second.
    static let wanConnectionRate = 20_000_000
    static let wanLinkRate = 40_000_000

    func measureWAN(_ dataset: BenchDataset, setup: DupfsMount.Setup, emulator: EmulatorProcess) {
        let neededBytes = dataset.facts["neededBytes"] as? Int ?? 0
        let neededVolumes = dataset.facts["neededVolumes"] as? Int ?? 0
        let indexBytes = dataset.facts["indexBytes"] as? Int ?? 0
        let linkSeconds = Double(neededBytes) / Double(Self.wanLinkRate)
        table.add(
            "w", "WAN data set: newest of 2 versions, \(dataset.fileCount) files (\(Figures.bytes(dataset.totalBytes))); volumes it needs",
            "\(neededVolumes) of \(dataset.facts["dblockVolumes"] as? Int ?? 0) dblocks, \(Figures.bytes(neededBytes)) (of \(Figures.bytes(dataset.facts["dblockBytes"] as? Int ?? 0))) = \(Figures.seconds(linkSeconds)) at 40 MB/s; dlists + dindexes \(Figures.bytes(indexBytes))")

        let local: WANSteps
        do {
            log("w: the steps from the local folder (file://), the reference")
            local = try runWANSteps(dataset, setup: setup, emulator: nil, label: "local")
        } catch {
            table.failed("w·local", "WAN steps from file://", error)
            return
        }
        table.add(
            "w·file", "file:// reference: mount → root / `latest/`; `ls -lR`; `cat` small file; `tar`; `dupfs restore`",
            "\(Figures.seconds(local.rootSeconds)) / \(Figures.seconds(local.latestSeconds)); \(Figures.seconds(local.listSeconds)); \(Figures.seconds(local.catSeconds)); \(Figures.seconds(local.tarSeconds)); \(Figures.seconds(local.restoreSeconds))",
            verdict: "reference")

        for latency in [40, 150] {
            do {
                log("w: \(latency) ms, 20 MB/s per connection, 40 MB/s link")
                try emulator.setWAN(#"{"latencyMs":\#(latency),"connectionRate":\#(Self.wanConnectionRate),"linkRate":\#(Self.wanLinkRate)}"#)
                let steps = try runWANSteps(dataset, setup: setup, emulator: emulator, label: "\(latency)ms")
                addWANRows(steps, local: local, latency: latency, dataset: dataset)
            } catch {
                table.failed("w·\(latency)", "WAN steps at \(latency) ms", error)
            }
        }
        do {
            try emulator.setWAN(#"{"latencyMs":0,"connectionRate":0,"linkRate":0}"#)
        } catch {
            notes.append("w: could not lift the WAN model afterwards: \(error)")
        }
    }

    /// One table row per step at one latency, each with its bound; the 40 ms rows carry the
    /// issue's targets, the 150 ms rows the same bounds for information.
    private func addWANRows(_ steps: WANSteps, local: WANSteps, latency: Int, dataset: BenchDataset) {
        let id = "w·\(latency)"
        let isTarget = latency == 40
        let rtt = Double(latency) / 1000
        let neededBytes = dataset.facts["neededBytes"] as? Int ?? 0
        let neededVolumes = dataset.facts["neededVolumes"] as? Int ?? 0
        let indexBytes = dataset.facts["indexBytes"] as? Int ?? 0
        let linkSeconds = Double(neededBytes) / Double(Self.wanLinkRate)
        func verdict(_ misses: [String]) -> String {
            isTarget ? ResultTable.verdict(misses.isEmpty, by: misses.joined(separator: ", "))
                : (misses.isEmpty ? "info: within bound" : "info: over bound by " + misses.joined(separator: ", "))
        }
        func over(_ value: Double, _ bound: Double) -> [String] { value <= bound ? [] : [Figures.seconds(value - bound)] }
        let wanText = "\(latency) ms, 20 MB/s per connection, 40 MB/s link"

        table.add(
            id, "cold mount (empty cache) → root listable (\(wanText))", Figures.seconds(steps.rootSeconds) + " (file:// \(Figures.seconds(local.rootSeconds)))",
            target: "≤ 2 s", verdict: verdict(over(steps.rootSeconds, 2)))
        table.add(
            id, "cold mount → `ls latest/` returned", Figures.seconds(steps.latestSeconds) + " (file:// \(Figures.seconds(local.latestSeconds)))",
            target: "≤ 3 s", verdict: verdict(over(steps.latestSeconds, 3)))

        let listBound = 1.2 * local.listSeconds + 1.5 * linkSeconds + 3
        let exact = steps.listing == local.listing
        table.add(
            id, "cold `ls -lR` of the newest version (\(dataset.facts["entries"] as? Int ?? 0) entries), attributes compared with file://",
            "\(Figures.seconds(steps.listSeconds)) (file:// \(Figures.seconds(local.listSeconds))); attributes \(exact ? "identical" : "DIFFER")",
            target: String(format: "≤ 1.2×%.2f + 1.5×%.2f + 3 = %.2f s, exact attributes", local.listSeconds, linkSeconds, listBound),
            verdict: verdict(over(steps.listSeconds, listBound) + (exact ? [] : ["attributes differ"])))

        let catBound = 5 * rtt + 1
        var perMethod: [String: Int] = [:]
        for request in steps.catRequests { perMethod["\(request["method"] ?? "?")", default: 0] += 1 }
        let described = perMethod.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        table.add(
            id, "cold `cat` of one \(Figures.bytes(dataset.facts["smallSize"] as? Int ?? 0)) file right after the mount returned (empty cache)",
            "\(Figures.seconds(steps.catSeconds)); \(steps.catRequests.count) requests arrived meanwhile, background work included (\(described)) (file:// \(Figures.seconds(local.catSeconds)))",
            target: String(format: "≤ 5×%.3f + 1 = %.2f s", rtt, catBound), verdict: verdict(over(steps.catSeconds, catBound)))

        let byteBound = Int(1.15 * Double(neededBytes)) + indexBytes
        for (what, seconds, stopped, localSeconds, downloaded) in [
            ("`tar` of the whole newest version through a fresh mount (mount not timed; bytes from its start)", steps.tarSeconds, steps.tarStopped, local.tarSeconds, steps.tarDownloaded),
            ("`dupfs restore` of the whole newest version, empty cache", steps.restoreSeconds, steps.restoreStopped, local.restoreSeconds, steps.restoreDownloaded),
        ] {
            let bound = 1.2 * localSeconds + 1.3 * linkSeconds + 3
            var misses = over(seconds, bound)
            if stopped { misses.append("stopped unfinished") }
            if downloaded > byteBound { misses.append("\(Figures.bytes(downloaded - byteBound)) over") }
            let time = stopped ? "> \(Figures.seconds(seconds)) (stopped at the step limit; bytes so far)" : Figures.seconds(seconds)
            table.add(
                id, what,
                "\(time) (file:// \(Figures.seconds(localSeconds))); downloaded \(Figures.bytes(downloaded)) = \(String(format: "%.2fx", Double(downloaded) / Double(max(neededBytes, 1)))) the needed volumes",
                target: String(format: "≤ 1.2×%.2f + 1.3×%.2f + 3 = %.2f s; ≤ 1.15x needed + dlists/dindexes = %@", localSeconds, linkSeconds, bound, Figures.bytes(byteBound)),
                verdict: verdict(misses))
        }

        let model = linkSeconds + Double(neededVolumes) * rtt
        table.add(
            id, "modelled Duplicati-style restore: the \(neededVolumes) needed dblocks whole at link rate + one latency each",
            String(format: "%.2f s (dupfs restore took %@%.2fx that)", model, steps.restoreStopped ? "over " : "", steps.restoreSeconds / max(model, 1e-9)),
            target: String(format: "%@ / 40 MB/s + %d × %.3f s", Figures.bytes(neededBytes), neededVolumes, rtt), verdict: "model")
    }

    /// The logged requests that arrived between two instants.
    static func requests(_ all: [[String: Any]], between start: Date, and end: Date) -> [[String: Any]] {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return all.filter { request in
            guard let text = request["time"] as? String, let time = format.date(from: text) else { return false }
            return time >= start.addingTimeInterval(-0.001) && time <= end
        }
    }

    /// Runs every step once against the emulator (`emulator` given) or the local folder.
    private func runWANSteps(_ dataset: BenchDataset, setup: DupfsMount.Setup, emulator: EmulatorProcess?, label: String) throws -> WANSteps {
        let source = emulator == nil ? setup.localSource(dataset) : setup.emulatorSource(dataset)
        func mount(_ step: String) throws -> DupfsMount {
            let (mountpoint, cache) = paths("wan-\(label)-\(step)")
            return try DupfsMount.mount(
                dupfs: setup.dupfs, url: source.url, options: source.options, environment: source.environment,
                mountpoint: mountpoint, cacheDir: cache)
        }
        /// Requests logged since `start`, once the log has gone quiet.
        func requests(since start: Int) -> [[String: Any]] {
            guard let emulator else { return [] }
            return Array(emulator.requests().prefix(waitForQuiet(emulator)).dropFirst(start))
        }
        func sent(_ requests: [[String: Any]]) -> Int { requests.reduce(0) { $0 + (($1["bytesSent"] as? Int) ?? 0) } }
        var steps = WANSteps()

        log("w (\(label)): cold mount, root, latest/, ls -lR")
        do {
            let started = Date()
            let listed = try mount("list")
            defer { listed.unmount() }
            try ExternalCommand.require("ls", [listed.mountpoint], discardOutput: true)
            steps.rootSeconds = Date().timeIntervalSince(started)
            try ExternalCommand.require("ls", [listed.mountpoint + "/latest/"], discardOutput: true)
            steps.latestSeconds = Date().timeIntervalSince(started)
            let listing = try ExternalCommand.require(
                "ls", ["-lR", "--time-style=full-iso", "."], directory: listed.versionFolder(dataset))
            steps.listSeconds = listing.seconds
            steps.listing = listing.stdout
        }

        log("w (\(label)): cold cat of one small file")
        do {
            let fresh = try mount("cat")
            defer { fresh.unmount() }
            // At once, as a user would: the mount's background work (index, metadata warm-up) is
            // still running, and waiting for it to end would let it fetch the file first.
            _ = dropCaches()
            let path = fresh.versionFolder(dataset) + "/" + (dataset.facts["smallPath"] as? String ?? "")
            let window = Date()
            let cat = try ExternalCommand.require("cat", [path], discardOutput: true)
            let windowEnd = Date()
            // Its bytes were checked against their hashes by dupfs; the size against the generator's.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
            guard size == dataset.facts["smallSize"] as? Int else { throw BenchError.wrongData("\(path) has \(size ?? -1) bytes") }
            steps.catSeconds = cat.seconds
            if let emulator {
                usleep(2_000_000)  // requests are logged when their answer has ended
                steps.catRequests = Self.requests(emulator.requests(), between: window, and: windowEnd)
            }
        }

        log("w (\(label)): tar of the whole newest version")
        do {
            let start = emulator?.requests().count ?? 0
            let fresh = try mount("tar")
            defer { fresh.unmount() }
            _ = dropCaches()
            let limit = Int(wanStepLimit)
            let tar = try ExternalCommand.shell(
                "set -o pipefail; timeout \(limit) tar cf - . | wc -c", directory: fresh.versionFolder(dataset))
            let bytes = Int(tar.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            steps.tarStopped = tar.status == 124
            guard tar.succeeded || steps.tarStopped else {
                throw BenchError.commandFailed("tar cf - . | wc -c", status: tar.status, stderr: tar.stderr)
            }
            guard steps.tarStopped || bytes >= dataset.totalBytes else {
                throw BenchError.wrongData("tar produced \(bytes) bytes for \(dataset.totalBytes) of files")
            }
            steps.tarSeconds = tar.seconds
            steps.tarDownloaded = sent(requests(since: start))
        }

        log("w (\(label)): dupfs restore of the whole newest version")
        do {
            let target = runDir.appendingPathComponent("wan-\(label)-restored").path
            let cache = runDir.appendingPathComponent("wan-\(label)-restore-cache").path
            defer { try? FileManager.default.removeItem(atPath: target) }
            let start = emulator?.requests().count ?? 0
            let restore = try ExternalCommand.run(
                "timeout", ["\(Int(wanStepLimit))", setup.dupfs, "restore", source.url, "--target", target, "--cache-dir", cache]
                    + source.options,
                environment: source.environment)
            steps.restoreStopped = restore.status == 124
            guard restore.succeeded || steps.restoreStopped else {
                throw BenchError.commandFailed("dupfs restore", status: restore.status, stderr: restore.stderr)
            }
            steps.restoreSeconds = restore.seconds
            steps.restoreDownloaded = sent(requests(since: start))
            if steps.restoreStopped { return steps }
            let count = try ExternalCommand.shell("find . -type f | wc -l", directory: target)
            guard Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == dataset.fileCount else {
                throw BenchError.wrongData("restore wrote \(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) files of \(dataset.fileCount)")
            }
        }
        return steps
    }
}
