import CRRShims
import RRCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A digest of what a process could have written: the contents of its writable memory. With the
/// registers it tells apart two visits of one instruction that differ only in memory (a loop
/// adding to a counter in memory). Only pages the program made its own are read (pagemap says
/// which: present or swapped anonymous pages, and the copied-on-write pages of private file
/// mappings; the others hold what the file holds, as in replay); pages of zeros count as
/// absent, so what the kernel happens to have populated does not matter. The digest depends on
/// contents and addresses only.
public enum MemoryDigest {
    private static let pageSize = 4096
    /// Adjacent pages are read this many at a time.
    private static let pagesPerRead = 64
    private static let presentBit: UInt64 = 1 << 63, swappedBit: UInt64 = 1 << 62, fileBit: UInt64 = 1 << 61

    /// The red zone: the 128 bytes below the stack pointer that a function may use without moving it.
    public static let redZone: UInt64 = 128

    /// `excluded` ranges (start, length) are left out: memory the recorder and the replayer fill
    /// at different moments (syscall buffers, the scratch area). So is the dead part of the
    /// stack the thread is on, below `stackPointer` and its red zone: what lies there (a signal
    /// frame the handler returned from, a call into the syscall page that replay makes at
    /// another slot) can be read by no correct program.
    public static func compute(of tid: Tid, excluding excluded: [(RemoteAddress, UInt64)], stackPointer: UInt64) throws -> UInt64 {
        let liveStack = stackPointer &- redZone
        let memory = try withErrno("open /proc/\(tid)/mem") { try FileDescriptor.open("/proc/\(tid)/mem", .readOnly, options: [.closeOnExec]) }
        defer { try? memory.close() }
        let pagemap = try withErrno("open /proc/\(tid)/pagemap") { try FileDescriptor.open("/proc/\(tid)/pagemap", .readOnly, options: [.closeOnExec]) }
        defer { try? pagemap.close() }
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15
        var listing = ""  // RR_SWIFT_DIGEST_LOG: each page's digest, to find what differs
        var buffer = [UInt64](repeating: 0, count: pagesPerRead * pageSize / 8)
        for mapping in try ProcFiles.maps(of: tid) where mapping.permissions.hasPrefix("rw") || mapping.permissions.dropFirst().hasPrefix("w") {
            let shared = mapping.permissions.hasSuffix("s")
            let fileBacked = mapping.inode != 0
            if shared && fileBacked { continue }  // the file's contents, whoever wrote them
            if mapping.path == "[vsyscall]" { continue }
            let deadBelow = mapping.start <= stackPointer && stackPointer < mapping.end ? liveStack : 0
            for run in try residentRuns(pagemap, from: mapping.start, to: mapping.end) {
                let pages = Int((run.end - run.start) / UInt64(pageSize))
                var entries = [UInt64](repeating: 0, count: pages)
                let got = try entries.withUnsafeMutableBytes { buffer in
                    try pagemap.read(fromAbsoluteOffset: Int64(run.start / UInt64(pageSize) * 8), into: buffer, retryOnInterrupt: true)
                }
                // The pages to read, in order, then read in runs of adjacent ones (one pread each).
                let wanted = (0..<min(pages, got / 8)).compactMap { index -> UInt64? in
                    let entry = entries[index]
                    guard entry & (presentBit | swappedBit) != 0 else { return nil }
                    if fileBacked && !shared && entry & fileBit != 0 { return nil }  // not copied: the file's page
                    let address = run.start + UInt64(index * pageSize)
                    if excluded.contains(where: { address >= $0.0 && address < $0.0 + $0.1 }) { return nil }
                    if address + UInt64(pageSize) <= deadBelow { return nil }
                    return address
                }
                var next = 0
                while next < wanted.count {
                    var count = 1
                    while count < pagesPerRead, next + count < wanted.count, wanted[next + count] == wanted[next] + UInt64(count * pageSize) { count += 1 }
                    let read = try buffer.withUnsafeMutableBytes { bytes in
                        try memory.read(fromAbsoluteOffset: Int64(bitPattern: wanted[next]),
                                        into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<count * pageSize]), retryOnInterrupt: true)
                    }
                    for page in 0..<count {
                        let address = wanted[next + page]
                        // A short read (a page that cannot be read) leaves the rest to reads of one page.
                        if (page + 1) * pageSize > read {
                            let one = try buffer.withUnsafeMutableBytes { bytes in
                                try memory.read(fromAbsoluteOffset: Int64(bitPattern: address),
                                                into: UnsafeMutableRawBufferPointer(rebasing: bytes[page * pageSize..<(page + 1) * pageSize]), retryOnInterrupt: true)
                            }
                            guard one == pageSize else { continue }
                        }
                        let words = page * pageSize / 8..<(page + 1) * pageSize / 8
                        if deadBelow > address {
                            buffer.withUnsafeMutableBytes { bytes in
                                for offset in page * pageSize..<page * pageSize + Int(deadBelow - address) { bytes[offset] = 0 }
                            }
                        }
                        var pageHash: UInt64 = 0
                        var any: UInt64 = 0
                        for word in buffer[words] {
                            any |= word
                            pageHash = (pageHash ^ word) &* 0x100_0000_01b3
                            pageHash ^= pageHash >> 29
                        }
                        guard any != 0 else { continue }
                        if let logPath {
                            listing += String(address, radix: 16) + " " + String(pageHash, radix: 16) + " " + mapping.path + "\n"
                            if let file = fopen(logPath + "-" + String(address, radix: 16) + "-" + String(pageHash, radix: 16), "w") {
                                _ = buffer[words].withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                                fclose(file)
                            }
                        }
                        hash = (hash ^ address) &* 0xff51_afd7_ed55_8ccd
                        hash = (hash ^ pageHash) &* 0xc4ce_b9fe_1a85_ec53
                        hash ^= hash >> 33
                    }
                    next += count
                }
            }
        }
        if let logPath, let file = fopen(logPath, "a") {
            fputs("digest \(String(hash, radix: 16))\n" + listing, file)
            fclose(file)
        }
        return hash
    }

    /// Pagemap entries are read at most this many at a time (512 KiB).
    private static let pagesPerRun = 65_536
    /// Whether the kernel has PAGEMAP_SCAN; learnt at the first scan.
    nonisolated(unsafe) private static var canScan = true

    /// The parts of [start, end) that may hold pages of the process, in address order, none
    /// longer than `pagesPerRun` pages. PAGEMAP_SCAN finds the present and swapped runs at once:
    /// a sanitizer's shadow memory reserves terabytes and uses a few megabytes, and its pagemap
    /// alone would be gigabytes. Without it (before Linux 6.7), the whole range, in pieces.
    private static func residentRuns(_ pagemap: FileDescriptor, from start: UInt64, to end: UInt64) throws -> [(start: UInt64, end: UInt64)] {
        var found: [(start: UInt64, end: UInt64)] = []
        if canScan {
            var regions = [rr_shim_page_region](repeating: rr_shim_page_region(), count: 256)
            var position = start
            while position < end {
                var walkEnd: UInt64 = 0
                let result = rr_shim_pagemap_scan(pagemap.rawValue, position, end, &regions, UInt64(regions.count), &walkEnd)
                if result.value < 0 {
                    guard found.isEmpty, result.error == ENOTTY || result.error == EINVAL else {
                        throw RRError.system(call: "PAGEMAP_SCAN", errno: result.error, detail: "")
                    }
                    canScan = false
                    break
                }
                for region in regions.prefix(Int(result.value)) { found.append((region.start, region.end)) }
                guard walkEnd > position else { break }
                position = walkEnd
            }
        }
        if !canScan { found = [(start, end)] }
        let most = UInt64(pagesPerRun * pageSize)
        return found.flatMap { run in
            stride(from: run.start, to: run.end, by: Int(most)).map { ($0, min($0 + most, run.end)) }
        }
    }

    private static let logPath = getenv("RR_SWIFT_DIGEST_LOG").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

    /// A digest of a byte string (the extended register state).
    public static func of(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
