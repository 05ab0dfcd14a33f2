/// Plans the downloads that bring a set of wanted byte ranges of volumes in: which neighbouring
/// ranges one request fetches together, which volumes are downloaded whole, and how many
/// requests to keep in flight. Driven by a ``LinkEstimate``: a gap is downloaded when that
/// costs less than a round trip of its own, a volume is fetched whole when that costs less
/// than its ranges, and enough requests run at once to fill the link.
///
/// Pure: no I/O, so it can be fed placements and a simulated link in tests.
package enum FetchPlanner {
    /// The most bytes one ranged request fetches (a longer run is cut, so that parallel
    /// requests share it and a failure costs less).
    package static let longestRun: Int64 = 32 << 20
    /// The smallest gap ever worth downloading: the storage cache works in 4 KiB pieces.
    package static let smallestGap: Int64 = 4 << 10
    /// Ranges covering this share of a volume are fetched as the whole volume (a volume's zip
    /// directory and manifest are not wanted by block reads, and weigh most in small volumes).
    package static let wholeShare = 0.8

    /// What is wanted of one volume.
    package struct Volume: Sendable, Equatable {
        /// The caller's name for the volume.
        package var key: Int
        /// Its size in bytes.
        package var size: Int64
        /// Whether it may be downloaded whole (and is small enough to be held).
        package var wholeAllowed: Bool
        /// The wanted ranges, each with the caller's name for it.
        package var wanted: [(key: Int, range: Range<Int64>)]

        package init(key: Int, size: Int64, wholeAllowed: Bool, wanted: [(key: Int, range: Range<Int64>)]) {
            self.key = key
            self.size = size
            self.wholeAllowed = wholeAllowed
            self.wanted = wanted
        }

        package static func == (a: Volume, b: Volume) -> Bool {
            a.key == b.key && a.size == b.size && a.wholeAllowed == b.wholeAllowed
                && a.wanted.map(\.key) == b.wanted.map(\.key) && a.wanted.map(\.range) == b.wanted.map(\.range)
        }
    }

    /// One request of a plan.
    package enum Fetch: Sendable, Hashable {
        /// Download the whole volume; the members are the wanted ranges it serves.
        case whole(volume: Int, members: [Int])
        /// Download one range of a volume, covering the members' ranges.
        case range(volume: Int, range: Range<Int64>, members: [Int])

        /// Bytes this request downloads.
        package func bytes(volumeSize: Int64) -> Int64 {
            switch self {
            case .whole: volumeSize
            case .range(_, let range, _): range.upperBound - range.lowerBound
            }
        }
    }

    /// A plan: the requests, largest first (they take longest), and how many to run at once.
    package struct Plan: Sendable, Equatable {
        package var fetches: [Fetch]
        package var lanes: Int
        /// What the plan should take on the estimated link, in seconds.
        package var estimatedSeconds: Double
        /// Bytes it downloads.
        package var bytes: Int64

        package init(fetches: [Fetch], lanes: Int, estimatedSeconds: Double, bytes: Int64) {
            self.fetches = fetches
            self.lanes = lanes
            self.estimatedSeconds = estimatedSeconds
            self.bytes = bytes
        }
    }

    /// Plans the requests for what is wanted.
    /// - Parameters:
    ///   - volumes: what is wanted of each volume.
    ///   - link: the link's estimate.
    ///   - mostLanes: the most requests in flight the storage allows.
    /// - Returns: the plan.
    package static func plan(_ volumes: [Volume], link: LinkEstimate, mostLanes: Int = 8) -> Plan {
        let lanes = link.lanes(most: max(1, mostLanes))
        let busy = volumes.filter { !$0.wanted.isEmpty }
        // Lanes are shared: with many volumes each gets its share of them.
        let share = max(1, lanes / max(1, busy.count))
        var fetches: [(fetch: Fetch, bytes: Int64)] = []
        for volume in busy {
            let runs = ranges(of: volume, link: link)
            let rangeBytes = runs.reduce(Int64(0)) { $0 + $1.bytes(volumeSize: volume.size) }
            // Whole when that costs less; also when the ranges cover most of it: one request
            // instead of several, kept whole in the disk cache, and checked by its HMAC first.
            let nearlyAll = Double(rangeBytes) >= wholeShare * Double(volume.size)
            if volume.wholeAllowed,
               nearlyAll || cost(requests: 1, bytes: volume.size, link: link, lanes: share)
                   <= cost(requests: runs.count, bytes: rangeBytes, link: link, lanes: share) {
                fetches.append((.whole(volume: volume.key, members: volume.wanted.map(\.key)), volume.size))
            } else {
                fetches += runs.map { ($0, $0.bytes(volumeSize: volume.size)) }
            }
        }
        fetches.sort { $0.bytes > $1.bytes }
        let bytes = fetches.reduce(Int64(0)) { $0 + $1.bytes }
        return Plan(
            fetches: fetches.map(\.fetch), lanes: max(1, min(lanes, fetches.count)),
            estimatedSeconds: cost(requests: fetches.count, bytes: bytes, link: link, lanes: lanes), bytes: bytes)
    }

    /// The smallest part of a whole-volume download fetched by a request of its own.
    package static let smallestPart: Int64 = 8 << 20

    /// The parts one whole-volume download is split into, fetched at once by ranged requests,
    /// so that a single volume reaches the link's rate rather than one connection's: as many
    /// connections as fill the link, each part at least ``smallestPart`` and worth more than a
    /// round trip of its own.
    /// - Parameters:
    ///   - size: the volume's size in bytes.
    ///   - link: the link's estimate.
    ///   - mostLanes: the most requests in flight the storage allows.
    /// - Returns: 1 ... `mostLanes`.
    package static func parts(ofWhole size: Int64, link: LinkEstimate, mostLanes: Int = 4) -> Int {
        let filling = Int(min((link.linkRate / link.connectionRate).rounded(.up), 64))
        let smallest = max(smallestPart, Int64(4 * link.bytesPerRoundTrip))
        let fitting = Int(max(1, size / smallest))
        return max(1, min(filling, fitting, mostLanes))
    }

    /// Byte ranges splitting `size` bytes into `parts` nearly equal pieces, in order.
    package static func pieces(of size: Int64, parts: Int) -> [Range<Int64>] {
        let count = Int64(max(1, parts))
        guard size > 0 else { return [] }
        return (0..<count).compactMap { i in
            let start = size * i / count
            let end = size * (i + 1) / count
            return start < end ? start..<end : nil
        }
    }

    /// The seconds `requests` requests of `bytes` in all take with `lanes` in flight: each
    /// lane pays its requests' round trips, and the bytes go at the rate the lanes reach together.
    static func cost(requests: Int, bytes: Int64, link: LinkEstimate, lanes: Int) -> Double {
        guard requests > 0 else { return 0 }
        let busy = min(lanes, requests)
        let rate = min(link.linkRate, link.connectionRate * Double(busy))
        let roundTrips = (Double(requests) / Double(busy)).rounded(.up)
        return roundTrips * link.roundTrip + Double(bytes) / rate
    }

    /// The wanted ranges of a volume merged into requests: neighbours closer than a round
    /// trip's worth of bytes go together, up to ``longestRun``.
    /// - Parameters:
    ///   - volume: what is wanted of it (at least one range).
    ///   - link: the link's estimate.
    /// - Returns: ranged requests, in offset order.
    package static func ranges(of volume: Volume, link: LinkEstimate) -> [Fetch] {
        let gap = max(smallestGap, Int64(min(link.bytesPerRoundTrip, Double(longestRun))))
        let sorted = volume.wanted.sorted { $0.range.lowerBound < $1.range.lowerBound }
        var out: [Fetch] = []
        var start = sorted[0].range.lowerBound
        var end = sorted[0].range.upperBound
        var members = [sorted[0].key]
        for item in sorted.dropFirst() {
            let joined = max(end, item.range.upperBound)
            if item.range.lowerBound - end <= gap, joined - start <= longestRun {
                end = joined
                members.append(item.key)
            } else {
                out.append(.range(volume: volume.key, range: start..<end, members: members))
                start = item.range.lowerBound
                end = item.range.upperBound
                members = [item.key]
            }
        }
        out.append(.range(volume: volume.key, range: start..<end, members: members))
        return out
    }
}
