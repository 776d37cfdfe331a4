import Foundation
import Testing
@testable import RRCore

/// The size bound of the caches: what a trim removes, when one is due, and that a cache in use by
/// a replay is left alone.
@Suite struct CacheBudgetTests {
    /// A private directory holding `count` entries of `size` bytes each, entry 0 used least
    /// recently (mtimes a minute apart).
    static func cache(entries count: Int, size: Int) throws -> String {
        let directory = try PrivateDirectory.temporary(prefix: "rr-cache-budget-")
        for index in 0..<count {
            let path = "\(directory)/entry-\(index)"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: UInt8(index), count: size)))
            var times = [timespec(tv_sec: 1_000_000 + index * 60, tv_nsec: 0), timespec(tv_sec: 1_000_000 + index * 60, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        return directory
    }

    static func names(in directory: String) -> Set<String> {
        Set(CacheBudget.entries(of: directory).map(\.name))
    }

    static func diskUsage(of directory: String) -> UInt64 {
        CacheBudget.entries(of: directory).reduce(0) { $0 + $1.size }
    }

    @Test func sizesAreBytesOrPowersOf1024() {
        #expect(CacheBudget.parseSize("4096") == 4096)
        #expect(CacheBudget.parseSize("500K") == 500 << 10)
        #expect(CacheBudget.parseSize("500m") == 500 << 20)
        #expect(CacheBudget.parseSize("2G") == 2 << 30)
        #expect(CacheBudget.parseSize("0") == 0)
        for bad in ["", "G", "1.5G", "-1", "12X", "99999999999999999999", "16777216T", " 1"] {
            #expect(CacheBudget.parseSize(bad) == nil, "\(bad)")
        }
    }

    @Test func trimDropsTheLeastRecentlyUsedEntriesDownToTheLowWaterMark() throws {
        let directory = try Self.cache(entries: 10, size: 64 << 10)
        defer { PrivateDirectory.remove(directory) }
        let perEntry = Self.diskUsage(of: directory) / 10
        // Room for five entries: three quarters of that keep three, the newest.
        let budget = CacheBudget(directory: directory, limit: perEntry * 5, usingEntries: false)
        // The oldest entry was just used: it is now the most recent.
        CacheBudget.touch("\(directory)/entry-0")
        #expect(budget.trim() == 7)
        #expect(Self.names(in: directory) == ["entry-0", "entry-9", "entry-8"])
        // Within the limit nothing goes.
        #expect(budget.trim() == 0)
        #expect(Self.names(in: directory).count == 3)
    }

    @Test func aTrimIsDueOnlyAfterAnEighthOfTheLimitWasAdded() throws {
        let directory = try Self.cache(entries: 8, size: 64 << 10)
        defer { PrivateDirectory.remove(directory) }
        let limit = Self.diskUsage(of: directory) / 2
        // A cache without a counter is of unknown size: the first process to finish trims it.
        let first = CacheBudget(directory: directory, limit: limit, usingEntries: false)
        #expect(first.finish() > 0)
        #expect(Self.diskUsage(of: directory) <= limit)
        // Add entries past the limit, counting less than an eighth of it: no trim yet.
        for index in 8..<12 {
            #expect(FileManager.default.createFile(atPath: "\(directory)/entry-\(index)", contents: Data(count: 64 << 10)))
        }
        #expect(Self.diskUsage(of: directory) > limit)
        let small = CacheBudget(directory: directory, limit: limit, usingEntries: false)
        small.added(Int(limit / 16))
        #expect(small.finish() == 0)
        // The next addition takes the counter past an eighth: this one trims.
        let large = CacheBudget(directory: directory, limit: limit, usingEntries: false)
        large.added(Int(limit / 16) + 1)
        #expect(large.finish() > 0)
        #expect(Self.diskUsage(of: directory) <= limit)
    }

    @Test func aCacheInUseByAReplayIsNotTrimmed() throws {
        let directory = try Self.cache(entries: 8, size: 64 << 10)
        defer { PrivateDirectory.remove(directory) }
        let limit = Self.diskUsage(of: directory) / 4
        let replay = CacheBudget(directory: directory, limit: limit, usingEntries: true)
        let other = CacheBudget(directory: directory, limit: limit, usingEntries: true)
        other.added(Int(limit))
        #expect(other.finish() == 0, "trimmed entries another replay is using")
        #expect(Self.names(in: directory).count == 8)
        // Once the last user is done, it trims (the counter is still past its mark).
        #expect(replay.finish() > 0)
        #expect(Self.diskUsage(of: directory) <= limit)
    }
}
