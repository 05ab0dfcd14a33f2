import Foundation
import TestSupport

/// One way of damaging a copy of the backup, and which files it may make unreadable.
struct BackupDamage: Sendable {
    /// The table row's name.
    let name: String
    /// A short folder-safe key.
    let key: String
    /// Damages the copy in this folder.
    let apply: @Sendable (URL) throws -> Void
    /// Whether a read of this file may fail (every other file must read right).
    let mayFail: @Sendable (ReliabilityFixture.File) -> Bool

    /// The damage classes for a fixture: a dblock in the middle missing, truncated or corrupted
    /// (its files may fail); its dindex missing, or two dindex files swapped (nothing may fail:
    /// dindex files are only hints).
    static func all(_ fixture: ReliabilityFixture) -> [BackupDamage] {
        guard fixture.dblocks.count >= 3 else { return [] }
        let target = fixture.dblocks.count / 2
        let dblock = fixture.dblocks[target]
        let neighbour = fixture.dblocks[target + 1]
        let touched: @Sendable (ReliabilityFixture.File) -> Bool = { $0.dblockSpan.contains(target) }
        let none: @Sendable (ReliabilityFixture.File) -> Bool = { _ in false }
        var out = [
            BackupDamage(name: "damaged: dblock missing", key: "missing-dblock", apply: {
                try FixtureDamage.deleteVolume(dblock, in: $0)
            }, mayFail: touched),
            BackupDamage(name: "damaged: dblock truncated to half", key: "truncated-dblock", apply: { folder in
                let size = try FixtureDamage.readVolume(dblock, in: folder).count
                try FixtureDamage.truncate(dblock, in: folder, to: Int64(size / 2))
            }, mayFail: touched),
            BackupDamage(name: "damaged: dblock corrupted (16 bytes flipped)", key: "corrupted-dblock", apply: { folder in
                let size = try FixtureDamage.readVolume(dblock, in: folder).count
                for step in 1...16 { try FixtureDamage.flipByte(dblock, in: folder, at: size * step / 18) }
            }, mayFail: touched),
        ]
        if let index = fixture.dindexOf[dblock], let other = fixture.dindexOf[neighbour] {
            out.append(BackupDamage(name: "damaged: dindex missing", key: "missing-dindex", apply: {
                try FixtureDamage.deleteVolume(index, in: $0)
            }, mayFail: none))
            out.append(BackupDamage(name: "damaged: lying dindex (two swapped)", key: "lying-dindex", apply: { folder in
                let a = try FixtureDamage.readVolume(index, in: folder)
                let b = try FixtureDamage.readVolume(other, in: folder)
                try FixtureDamage.replaceVolume(index, in: folder, with: b)
                try FixtureDamage.replaceVolume(other, in: folder, with: a)
            }, mayFail: none))
        }
        return out
    }
}
