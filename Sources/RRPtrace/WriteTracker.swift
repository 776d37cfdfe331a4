import CRRShims
import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// Which pages of a tracee's writable private memory were written between two looks, without
/// soft-dirty bits (this kernel has none): a userfaultfd made inside the tracee (an injected
/// call, since it serves the mm of its maker), held by the tracer (pidfd_getfd; the tracee's
/// own descriptor is closed again at once), write-protects the memory asynchronously, so a
/// write, the program's, the kernel's or the tracer's through /proc/PID/mem, only marks its
/// page written; PAGEMAP_SCAN on the tracee's pagemap reads and re-protects those pages. A
/// mapping found unregistered at a look (new since the last) is registered then and counts as
/// written whole. An exec leaves the tracked mm: the tracker must be dropped then.
public final class WriteTracker {
    public let pid: Tid
    private let uffd: Int32
    private let pagemap: Int32
    private static let regionCapacity = 1024

    private init(pid: Tid, uffd: Int32, pagemap: Int32) {
        self.pid = pid
        self.uffd = uffd
        self.pagemap = pagemap
    }

    deinit {
        close(uffd)
        close(pagemap)
    }

    /// Starts tracking the writes of `tracee`, stopped in user code at `registers` (single-
    /// threaded, as for a fork); nil where the kernel or the program's limits refuse it.
    public static func start(_ tracee: Tracee, at registers: Registers) throws -> WriteTracker? {
        let remote = try InjectedSyscall.run(tracee, at: registers, .userfaultfd, [UInt64(rr_shim_write_tracking_uffd_flags())])
        guard remote >= 0 else { return nil }
        let local = rr_shim_fd_of_process(tracee.tid.rawValue, Int32(remote))
        do {
            _ = try InjectedSyscall.run(tracee, at: registers, .close, [UInt64(remote)])
        } catch {
            if local.error == 0 { close(Int32(local.value)) }
            throw error
        }
        guard local.error == 0 else { return nil }
        let uffd = Int32(local.value)
        let pagemap = open("/proc/\(tracee.tid)/pagemap", O_RDONLY | O_CLOEXEC)
        guard pagemap >= 0, rr_shim_uffd_enable_async_wp(uffd).error == 0 else {
            close(uffd)
            if pagemap >= 0 { close(pagemap) }
            return nil
        }
        let tracker = WriteTracker(pid: tracee.tid, uffd: uffd, pagemap: pagemap)
        _ = try tracker.takeWritten()
        return tracker
    }

    /// What a look found: the pages written since the last (page-aligned ranges) and the
    /// memory looked at (the writable private mappings); a write elsewhere is not seen.
    public struct Writes {
        public let written: [Range<UInt64>]
        public let covered: [Range<UInt64>]

        public init(written: [Range<UInt64>], covered: [Range<UInt64>]) {
            self.written = written
            self.covered = covered
        }

        /// The writes of this stretch and the next together: written in either, looked at in both.
        public func merged(with next: Writes) -> Writes {
            let both = covered.flatMap { mine in
                next.covered.compactMap { theirs -> Range<UInt64>? in
                    let range = max(mine.lowerBound, theirs.lowerBound)..<max(max(mine.lowerBound, theirs.lowerBound), min(mine.upperBound, theirs.upperBound))
                    return range.isEmpty ? nil : range
                }
            }
            return Writes(written: written + next.written, covered: both)
        }

        /// Whether no byte of `range` can have been written: looked at, and no page of it written.
        public func untouched(_ range: Range<UInt64>) -> Bool {
            covered.contains { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound }
                && !written.contains { $0.overlaps(range) }
        }
    }

    /// The pages written since the last look (or the start), protected again for the next.
    public func takeWritten() throws -> Writes {
        var written: [Range<UInt64>] = [], covered: [Range<UInt64>] = []
        let writable = try ProcFiles.maps(of: pid).filter { $0.permissions.hasPrefix("rw") && $0.permissions.hasSuffix("p") }
        var regions = [rr_shim_page_region](repeating: rr_shim_page_region(), count: Self.regionCapacity)
        for mapping in writable {
            var start = mapping.start
            var tracked = true
            while start < mapping.end {
                var walkEnd: UInt64 = 0
                let found = rr_shim_pagemap_take_written(pagemap, start, mapping.end, &regions, UInt64(regions.count), &walkEnd)
                guard found.error == 0 else {
                    tracked = false
                    break
                }
                written += regions.prefix(found.value).map { $0.start..<$0.end }
                guard walkEnd > start else { break }
                start = walkEnd
            }
            if !tracked {
                // Not registered yet: all of it may have been written; from now on it is tracked.
                guard rr_shim_uffd_track_writes(uffd, mapping.start, mapping.end - mapping.start).error == 0 else { continue }
                written.append(mapping.start..<mapping.end)
            }
            covered.append(mapping.start..<mapping.end)
        }
        return Writes(written: written, covered: covered)
    }
}
