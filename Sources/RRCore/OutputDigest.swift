import CRRShims

/// The digest of the bytes a write-like syscall took from the program's memory and output (the
/// function is Sources/CRRShims/include/output_digest.h, shared with the preload library).
/// Recording stores it with each such call; replay computes it again from the replayed
/// program's memory before the call, so output that differs is reported at the call that
/// would print it, never written out silently (protocol/README.md, "Output digest").
public enum OutputDigest {
    /// The calls whose output is digested: what they output is the program's memory.
    /// (sendmmsg's byte counts are written by the kernel at its exit, which replay injects
    /// afterwards: not covered.)
    public static let calls: Set<SyscallNumber> = [.write, .pwrite64, .writev, .pwritev, .pwritev2, .sendto, .sendmsg]

    /// The msghdr fields sendmsg's bytes are named by: msg_iov and msg_iovlen.
    static let messageIovecOffset: UInt64 = 16, messageIovecCountOffset: UInt64 = 24

    /// The ranges of the call's output, in order: its first `result` bytes (none when it failed).
    public static func ranges(of number: SyscallNumber, arguments: [UInt64], result: Int64,
                              memory: TraceeMemoryReader) throws -> [MemoryRange] {
        guard result > 0 else { return [] }
        let total = Int(clamping: result)
        switch number {
        case .writev, .pwritev, .pwritev2:
            return try SyscallSpec.scatterRanges(iovecs: arguments[1], count: Int(clamping: arguments[2]), total: total, memory: memory)
        case .sendmsg:
            let iovecs = try memory.readWord(at: arguments[1] &+ messageIovecOffset)
            let count = try memory.readWord(at: arguments[1] &+ messageIovecCountOffset)
            return try SyscallSpec.scatterRanges(iovecs: iovecs, count: Int(clamping: count), total: total, memory: memory)
        default:
            return [MemoryRange(address: arguments[1], length: total)]
        }
    }

    /// The digest of the call's output as the tracee's memory holds it now; nil for a call
    /// that outputs nothing of the program's memory.
    public static func digest(of number: SyscallNumber, arguments: [UInt64], result: Int64,
                              memory: TraceeMemoryReader) throws -> UInt64? {
        guard calls.contains(number) else { return nil }
        var state = rr_output_digest()
        rr_output_digest_init(&state)
        for range in try ranges(of: number, arguments: arguments, result: result, memory: memory) {
            let bytes = try memory.readBytes(at: range.address, count: range.length)
            bytes.withUnsafeBytes { rr_output_digest_add(&state, $0.baseAddress, UInt64($0.count)) }
        }
        return rr_output_digest_finish(&state)
    }

    /// The digest of a byte string (for tests and tools).
    public static func digest(of bytes: [UInt8]) -> UInt64 {
        var state = rr_output_digest()
        rr_output_digest_init(&state)
        bytes.withUnsafeBytes { rr_output_digest_add(&state, $0.baseAddress, UInt64($0.count)) }
        return rr_output_digest_finish(&state)
    }

    /// "0x1234abcd..." as divergence reports show a digest.
    public static func text(_ digest: UInt64) -> String { "0x" + String(digest, radix: 16) }
}
