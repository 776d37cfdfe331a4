#if canImport(Glibc)
import Glibc
#endif

/// Keeps a cache directory (the block cache, the replay cache) within a size limit, dropping the
/// entries used least recently. Each recording and replay adds what the trace carries that was not
/// there yet (a CI run of the tests adds gigabytes), so without a bound the caches fill the disk.
///
/// Scanning a cache of tens of thousands of entries takes a tenth of a second, too much for every
/// start, so processes add the bytes they stored to a counter file, and the one whose addition
/// takes the counter past an eighth of the limit scans and trims. A hit sets the entry's mtime
/// (`touch`), so mtime orders entries by last use. Trimming needs the directory's lock exclusively:
/// a replay holds it shared while it runs, since it maps and executes its entries by path, and then
/// the trim is left to a later process. A recording needs no lock: a block missing from the cache
/// is compressed again.
public final class CacheBudget {
    public static let environmentVariable = "RR_SWIFT_CACHE_LIMIT"
    public static let defaultLimit: UInt64 = 1 << 30
    /// A trim leaves the cache at this fraction of the limit, so that the next one is not due at once.
    static let lowWaterPercent: UInt64 = 75
    static let lockName = ".lock"
    static let counterName = ".added"

    let directory: String
    let limit: UInt64
    private let lockDescriptor: Int32
    private var addedHere: UInt64 = 0

    /// `directory` must already be prepared (PrivateDirectory). With `usingEntries` the lock is
    /// held shared until `finish`: no other process trims the entries this one reads by path.
    public init(directory: String, limit: UInt64, usingEntries: Bool) {
        self.directory = directory
        self.limit = limit
        lockDescriptor = open("\(directory)/\(Self.lockName)", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if usingEntries && lockDescriptor >= 0 {
            while flock(lockDescriptor, LOCK_SH) != 0 && errno == EINTR {}
        }
    }

    deinit { if lockDescriptor >= 0 { close(lockDescriptor) } }

    /// The limit `RR_SWIFT_CACHE_LIMIT` sets for each cache directory, or the default.
    public static func limitFromEnvironment() throws -> UInt64 {
        guard let value = getenv(environmentVariable).map({ String(cString: $0) }) else { return defaultLimit }
        guard let limit = parseSize(value) else {
            throw RRError.usage("\(environmentVariable)=\(value) is not a size: give bytes, or a number with K, M or G (like 500M)")
        }
        return limit
    }

    /// "4096", "500K", "500M", "2G" (powers of 1024); nil for anything else.
    public static func parseSize(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var unit: UInt64 = 1
        if let last = text.last, let scale = units[Character(last.uppercased())] {
            unit = scale
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let count = UInt64(digits) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }

    /// Marks the entry at `path` as just used.
    public static func touch(_ path: String) {
        utimensat(AT_FDCWD, path, nil, AT_SYMLINK_NOFOLLOW)
    }

    /// Counts `bytes` just stored in the directory.
    public func added(_ bytes: Int) { addedHere += UInt64(bytes) }

    /// Adds this process's bytes to the directory's counter and trims the directory if that is due
    /// and no other process is using its entries. Returns the number of entries removed.
    @discardableResult
    public func finish() -> Int {
        defer { if lockDescriptor >= 0 { flock(lockDescriptor, LOCK_UN) } }
        let sinceTrim = addToCounter(addedHere)
        addedHere = 0
        guard let sinceTrim, sinceTrim > limit / 8 else { return 0 }
        // Converts a shared lock of this process; fails while another process holds one.
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else { return 0 }
        let removed = trim()
        _ = setCounter(0)
        return removed
    }

    /// Removes the least recently used entries until the directory holds at most the low-water
    /// fraction of the limit; does nothing while it holds no more than the limit.
    func trim() -> Int {
        var entries = Self.entries(of: directory)
        var total = entries.reduce(0) { $0 + $1.size }
        guard total > limit else { return 0 }
        let target = limit / 100 * Self.lowWaterPercent
        entries.sort { ($0.lastUse.tv_sec, $0.lastUse.tv_nsec) < ($1.lastUse.tv_sec, $1.lastUse.tv_nsec) }
        var removed = 0
        for entry in entries where total > target {
            if unlink("\(directory)/\(entry.name)") == 0 { removed += 1 }
            total -= entry.size
        }
        return removed
    }

    /// The directory's regular files but the lock and counter, with their space on disk and mtime.
    static func entries(of directory: String) -> [(name: String, size: UInt64, lastUse: timespec)] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        let descriptor = dirfd(stream)
        var found: [(name: String, size: UInt64, lastUse: timespec)] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." || name == lockName || name == counterName { continue }
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            found.append((name, UInt64(info.st_blocks) * 512, info.st_mtim))
        }
        return found
    }

    /// Adds to the counter of bytes stored since the last trim and returns its new value: `.max`
    /// when there was no counter (a cache from before the limit, of unknown size), nil when the
    /// counter cannot be used.
    private func addToCounter(_ bytes: UInt64) -> UInt64? {
        updateCounter { counted in
            guard let counted else { return .max }
            let (sum, overflow) = counted.addingReportingOverflow(bytes)
            return overflow ? .max : sum
        }
    }

    private func setCounter(_ value: UInt64) -> UInt64? { updateCounter { _ in value } }

    /// Reads, changes and writes the counter file under its own lock.
    private func updateCounter(_ change: (UInt64?) -> UInt64) -> UInt64? {
        let fd = open("\(directory)/\(Self.counterName)", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 { if errno != EINTR { return nil } }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingNewline
        let old = n == 0 ? nil : UInt64(text)
        let value = change(old)
        if value == old { return value }
        let line = Array("\(value)\n".utf8)
        guard ftruncate(fd, 0) == 0, line.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == line.count else { return nil }
        return value
    }
}

private extension String {
    var trimmingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
