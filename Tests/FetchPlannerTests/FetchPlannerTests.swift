import FetchPlanner
import Testing
import TestSupport

/// A link simulated by the clock: each request waits a round trip, then moves its bytes at the
/// rate of one connection, or the link's share when more requests are in flight. Requests go
/// to the lane that is free first, as the prefetcher's lanes take them.
struct SimulatedLink {
    let link: LinkEstimate

    /// Seconds the plan takes on this link.
    func seconds(_ plan: FetchPlanner.Plan, sizes: [Int: Int64]) -> Double {
        var lanes = [Double](repeating: 0, count: max(1, plan.lanes))
        let share = min(link.connectionRate, link.linkRate / Double(lanes.count))
        for fetch in plan.fetches {
            let volume: Int = switch fetch {
            case .whole(let v, _): v
            case .range(let v, _, _): v
            }
            let index = lanes.indices.min { lanes[$0] < lanes[$1] }!
            lanes[index] += link.roundTrip + Double(fetch.bytes(volumeSize: sizes[volume] ?? 0)) / share
        }
        return lanes.max() ?? 0
    }
}

@Suite struct FetchPlannerTests {
    static let wan = LinkEstimate(roundTrip: 0.040, connectionRate: 20_000_000, linkRate: 40_000_000)
    static let local = LinkEstimate.local
    static let mib: Int64 = 1 << 20

    /// Every range of a plan, with the members it serves.
    func served(_ plan: FetchPlanner.Plan) -> [Int] {
        plan.fetches.flatMap { fetch -> [Int] in
            switch fetch {
            case .whole(_, let members), .range(_, _, let members): members
            }
        }.sorted()
    }

    @Test func oneSmallBlockIsOneRequestOfItsOwnBytes() {
        let volume = FetchPlanner.Volume(key: 1, size: 50 * Self.mib, wholeAllowed: true, wanted: [(7, 1_000_000..<1_012_000)])
        for link in [Self.wan, Self.local] {
            let plan = FetchPlanner.plan([volume], link: link)
            #expect(plan.fetches == [.range(volume: 1, range: 1_000_000..<1_012_000, members: [7])])
            #expect(plan.bytes == 12_000)
        }
    }

    @Test func gapsCheaperThanARoundTripAreDownloadedOthersAreNot() {
        // 40 ms at 20 MB/s carries 800 kB: a 500 kB gap is merged over the WAN, a 2 MB one is not.
        let wanted: [(key: Int, range: Range<Int64>)] = [
            (1, 0..<100_000), (2, 600_000..<700_000), (3, 2_700_000..<2_800_000),
        ]
        let volume = FetchPlanner.Volume(key: 9, size: 50 * Self.mib, wholeAllowed: true, wanted: wanted)
        let wan = FetchPlanner.plan([volume], link: Self.wan)
        #expect(Set(wan.fetches) == [.range(volume: 9, range: 0..<700_000, members: [1, 2]), .range(volume: 9, range: 2_700_000..<2_800_000, members: [3])])
        // On a local folder a round trip carries 200 kB: nothing is merged.
        let local = FetchPlanner.plan([volume], link: Self.local)
        #expect(local.fetches.count == 3)
        #expect(served(wan) == [1, 2, 3] && served(local) == [1, 2, 3])
    }

    /// Blocks of 1 MiB with 200 kB between them, all wanted, in a 48 MiB volume.
    func mostlyWanted(key: Int, wholeAllowed: Bool = true) -> FetchPlanner.Volume {
        var wanted: [(key: Int, range: Range<Int64>)] = []
        for index in 0..<40 {
            let start = Int64(index) * (Self.mib + 200_000)
            wanted.append((key * 100 + index, start..<(start + Self.mib)))
        }
        return FetchPlanner.Volume(key: key, size: Int64(40) * (Self.mib + 200_000), wholeAllowed: wholeAllowed, wanted: wanted)
    }

    @Test func mostOfAVolumeIsTheWholeVolume() {
        // Alone or among others, it is one request (checked by its HMAC), locally too.
        for link in [Self.wan, Self.local] {
            #expect(FetchPlanner.plan([mostlyWanted(key: 3)], link: link).fetches == [.whole(volume: 3, members: Array(300..<340))])
        }
        let many = FetchPlanner.plan((0..<8).map { mostlyWanted(key: $0) }, link: Self.wan)
        #expect(many.fetches.allSatisfy { if case .whole = $0 { true } else { false } })
        #expect(many.fetches.count == 8)
        // Unless a volume may not be held whole.
        let forbidden = FetchPlanner.plan((0..<8).map { mostlyWanted(key: $0, wholeAllowed: false) }, link: Self.wan)
        #expect(!forbidden.fetches.contains { if case .whole = $0 { true } else { false } })
        #expect(served(forbidden) == served(many))
        // A tenth of a volume is never fetched whole.
        var few = mostlyWanted(key: 3)
        few.wanted = Array(few.wanted.prefix(4))
        #expect(FetchPlanner.plan((0..<8).map { _ in few }, link: Self.wan).bytes < 8 * few.size / 5)
    }

    @Test func enoughRequestsRunAtOnceToFillTheLink() {
        #expect(Self.wan.lanes(most: 8) == 4)
        #expect(LinkEstimate(roundTrip: 0.15, connectionRate: 5_000_000, linkRate: 40_000_000).lanes(most: 8) == 8)
        #expect(Self.wan.lanes(most: 1) == 2 || Self.wan.lanes(most: 1) == 1)
    }

    /// A whole version's restore: 20,000 small files written in order into 50 MiB volumes, all
    /// wanted. The plan must be link-bound: within 1.3x the needed volumes' time at link rate
    /// (+ a round trip per volume), downloading at most 1.15x their bytes; one request per
    /// file (what a file-by-file restore does) is many times slower.
    @Test func aWholeVersionIsLinkBoundOnTheSimulatedWAN() {
        var volumes: [FetchPlanner.Volume] = []
        var sizes: [Int: Int64] = [:]
        var key = 0
        var offset: Int64 = 0
        var wanted: [(key: Int, range: Range<Int64>)] = []
        var generator = SeededGenerator(seed: 7)
        func close() {
            volumes.append(FetchPlanner.Volume(key: volumes.count, size: offset + 22, wholeAllowed: true, wanted: wanted))
            sizes[volumes.count - 1] = offset + 22
            wanted = []
            offset = 0
        }
        for _ in 0..<20_000 {
            let size = Int64(2_000 + generator.next() % 14_000)
            if offset + size > 50 * Self.mib { close() }
            offset += 30
            wanted.append((key, offset..<(offset + size)))
            key += 1
            offset += size
        }
        close()
        let needed = sizes.values.reduce(0, +)
        let plan = FetchPlanner.plan(volumes, link: Self.wan)
        let link = SimulatedLink(link: Self.wan)
        let linkTime = Double(needed) / Self.wan.linkRate + Double(volumes.count) * Self.wan.roundTrip
        #expect(served(plan) == Array(0..<20_000))
        #expect(Double(plan.bytes) <= 1.15 * Double(needed))
        #expect(link.seconds(plan, sizes: sizes) <= 1.3 * linkTime + 0.5, "\(link.seconds(plan, sizes: sizes)) s against \(linkTime) s")
        // One request per file, one at a time.
        let naive = Double(20_000) * Self.wan.roundTrip + Double(needed) / Self.wan.connectionRate
        #expect(naive > 10 * link.seconds(plan, sizes: sizes))
    }

    /// A volume downloaded whole goes in parts at once when one connection cannot fill the
    /// link, each part worth its round trip; the parts cover it exactly.
    @Test func aWholeVolumeIsSplitToFillTheLink() {
        #expect(FetchPlanner.parts(ofWhole: 50 * Self.mib, link: Self.wan) == 2)
        #expect(FetchPlanner.parts(ofWhole: 50 * Self.mib, link: Self.wan, mostLanes: 1) == 1)
        #expect(FetchPlanner.parts(ofWhole: 5 * Self.mib, link: Self.wan) == 1)
        let slowConnections = LinkEstimate(roundTrip: 0.040, connectionRate: 5_000_000, linkRate: 40_000_000)
        #expect(FetchPlanner.parts(ofWhole: 50 * Self.mib, link: slowConnections) == 4)
        #expect(FetchPlanner.parts(ofWhole: 50 * Self.mib, link: slowConnections, mostLanes: 8) == 6)
        // One connection already fills the link: no split.
        let oneFills = LinkEstimate(roundTrip: 0.040, connectionRate: 40_000_000, linkRate: 40_000_000)
        #expect(FetchPlanner.parts(ofWhole: 50 * Self.mib, link: oneFills) == 1)
        for (size, parts) in [(Int64(50 * Self.mib + 7), 2), (10, 3), (3, 4), (0, 2)] {
            let pieces = FetchPlanner.pieces(of: size, parts: parts)
            #expect(pieces.first?.lowerBound ?? 0 == 0)
            #expect(pieces.last?.upperBound ?? 0 == size)
            #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(pieces.allSatisfy { !$0.isEmpty })
            #expect(pieces.count == min(Int(size), parts))
        }
        // On the simulated WAN the split volume takes about half as long.
        let link = SimulatedLink(link: Self.wan)
        let size = 50 * Self.mib
        let one = link.seconds(FetchPlanner.Plan(fetches: [.range(volume: 0, range: 0..<size, members: [0])], lanes: 1, estimatedSeconds: 0, bytes: size), sizes: [0: size])
        let split = FetchPlanner.pieces(of: size, parts: 2).map { FetchPlanner.Fetch.range(volume: 0, range: $0, members: [0]) }
        let two = link.seconds(FetchPlanner.Plan(fetches: split, lanes: 2, estimatedSeconds: 0, bytes: size), sizes: [0: size])
        #expect(two < 0.6 * one)
    }

    @Test func theMeterFollowsTheMeasuredLink() {
        let meter = LinkMeter(initial: .remote)
        var clock = 0.0
        for index in 0..<40 {
            // Small fetches: 80 ms each; large ones: 80 ms + 4 MiB at 5 MB/s.
            clock += 0.1
            meter.record(bytes: 12_000, seconds: 0.080, finishedAt: clock)
            if index % 2 == 0 {
                clock += 1
                meter.record(bytes: 4 << 20, seconds: 0.080 + Double(4 << 20) / 5_000_000, finishedAt: clock)
            }
        }
        let estimate = meter.estimate
        #expect(abs(estimate.roundTrip - 0.080) < 0.01)
        #expect(abs(estimate.connectionRate - 5_000_000) < 500_000)
        #expect(meter.measuredFetches == 60)
    }
}
