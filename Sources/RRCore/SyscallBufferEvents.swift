#if canImport(Glibc)
import Glibc
#endif

/// Records of buffered syscalls copied out of a thread's syscall buffer (pipe-protocol message
/// type 4). The supervisor sends one at a thread's ptrace stop when the thread's in-process
/// library has buffered syscalls since the last one; replay refills the thread's buffer with the
/// records before the thread runs the code that made them.
public struct SyscallBufferFlush: Equatable, Sendable {
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The buffer was emptied after this flush (the thread was not inside a buffered syscall).
        public static let reset = Flags(rawValue: 1)
        /// The thread stopped inside its next buffered syscall, which blocked: it went on as a
        /// traced syscall while other threads ran. Replay brings the thread to that call here.
        public static let blockedInNext = Flags(rawValue: 2)
        /// The thread stopped (for a signal) right after the untraced syscall of its next record.
        public static let stoppedAfterNextSyscall = Flags(rawValue: 4)
    }

    public var tid: Tid
    /// Where in the records area these records start (earlier ones were sent already).
    public var offset: UInt32
    public var flags: Flags
    public var records: [UInt8]
    public init(tid: Tid, offset: UInt32, flags: Flags, records: [UInt8]) {
        self.tid = tid
        self.offset = offset
        self.flags = flags
        self.records = records
    }

    /// The syscall numbers and results of the records, for dumps and divergence reports.
    public var calls: [(number: SyscallNumber, result: Int64)] {
        var result: [(SyscallNumber, Int64)] = []
        var position = 0
        while position + SyscallBufferLayout.recordHeaderSize <= records.count {
            let size = Int(records.loadLittleEndian(UInt32.self, at: position))
            let number = Int32(bitPattern: records.loadLittleEndian(UInt32.self, at: position + 4))
            let value = Int64(bitPattern: records.loadLittleEndian(UInt64.self, at: position + 8))
            result.append((SyscallNumber(Int64(number)), value))
            guard size >= SyscallBufferLayout.recordHeaderSize else { break }
            position += size
        }
        return result
    }
}

/// A syscall site the supervisor patched into a jump to a stub of the preload library (the rr
/// paper, section 3.1), at the entry of the syscall that first trapped there. Replay writes the
/// same bytes at the same point; then, in both, the syscall is skipped and the thread goes back to
/// the site to make it again through the patch.
public struct PatchEvent: Equatable, Sendable {
    public var tid: Tid
    public var number: SyscallNumber
    public var arguments: [UInt64]
    public var entryDigest: UInt64
    /// Address of the patched syscall instruction.
    public var site: RemoteAddress
    /// The stub, then the site's new bytes.
    public var writes: [MemoryWrite]
    public init(tid: Tid, number: SyscallNumber, arguments: [UInt64], entryDigest: UInt64, site: RemoteAddress,
                writes: [MemoryWrite]) {
        self.tid = tid
        self.number = number
        self.arguments = arguments
        self.entryDigest = entryDigest
        self.site = site
        self.writes = writes
    }
}

/// The numbers of Sources/Preload/syscallbuf.h, which the preload library, the supervisor and the
/// replayer share.
public enum SyscallBufferLayout {
    public static let pageAddress: UInt64 = 0x7000_0000
    public static let recordedSlot: UInt64 = pageAddress + 0
    public static let tracedSlot: UInt64 = pageAddress + 32
    public static let unrecordedSlot: UInt64 = pageAddress + 64
    public static let replayedSlot: UInt64 = pageAddress + 96
    public static let pageImageSize = 128
    public static let headerSize: UInt64 = 64
    /// The header's `busy` word: set while the library makes a buffered call.
    public static let busyOffset: UInt64 = 4
    public static let recordsSize: UInt64 = 256 * 1024 - 64
    public static let shadowOffset: UInt64 = 256 * 1024
    /// The recorder's scratch area (64 slots of 256 KiB), mapped in recorded processes only. Far
    /// from where this kernel places anything without ASLR (heap near 0x5555..., mappings below
    /// 0x7fff...).
    public static let scratchAddress: UInt64 = 0x6fff_0000_0000
    public static let scratchSize: UInt64 = 64 * 256 * 1024
    /// One thread's buffer mapping: header, records and the replay's shadow records.
    public static let mappingSize: UInt64 = 512 * 1024
    public static let recordHeaderSize = 16
    /// rr-specific syscall numbers the library makes (the kernel answers -ENOSYS).
    public static let initProcessCall = SyscallNumber(1000)
    public static let initThreadCall = SyscallNumber(1001)
    public static let deschedSignal = SignalNumber(30)  // SIGPWR

    /// Syscalls the library's hook may buffer: sites making them are patched.
    public static let bufferable: Set<Int64> = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 16, 17, 18, 19, 20, 21, 28, 39, 44, 45, 46, 47, 72, 89, 96, 102, 104,
        107, 108, 110, 186, 201, 202, 217, 228, 232, 257, 262, 267, 269, 271, 281, 318, 332, 439,
        // file-system changes and extended attributes
        74, 75, 77, 82, 83, 87, 90, 91, 93, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 221, 258,
        260, 263, 264, 268, 280, 326,
    ]
}

extension SyscallBufferLayout {
    /// The clone flags of a task-creating syscall (vfork is CLONE_VM | CLONE_VFORK).
    public static func cloneFlags(_ number: SyscallNumber, arguments: [UInt64]) -> UInt64 {
        number == .clone ? arguments[0] : number == .vfork ? 0x4100 : 0
    }

    /// A child on the parent's memory but not in its thread group (vfork, posix_spawn): it runs
    /// on the parent thread's TLS and buffer, so buffering is off in the process while it lives.
    public static func sharesMemoryOnly(cloneFlags flags: UInt64) -> Bool {
        flags & 0x100 != 0 && flags & 0x10000 == 0  // CLONE_VM without CLONE_THREAD
    }
}

extension Array where Element == UInt8 {
    /// Whether both hold the same bytes, compared by memcmp: Array's == goes element by element,
    /// which took 6% of replaying a 50 MB read through the syscall buffer.
    public func hasSameBytes(as other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        guard count > 0 else { return true }
        return withUnsafeBytes { mine in other.withUnsafeBytes { theirs in memcmp(mine.baseAddress!, theirs.baseAddress!, count) == 0 } }
    }

    public func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size { value |= T(self[offset + index]) << (8 * index) }
        return value
    }
}
