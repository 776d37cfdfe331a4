import RRCore
import RRTrace
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// Where the supervisor sends protocol messages: the pipe to the trace-writer.
public final class PipeSink {
    private let output: FileDescriptor
    private var buffer = ByteWriter(capacity: flushThreshold)
    private static let flushThreshold = 256 << 10
    public private(set) var bytesSent: UInt64 = 0
    /// The longest a message waits in the buffer while the recording goes on.
    static let flushInterval: Int64 = 20_000_000
    /// Whether messages wait to be handed on.
    var hasPending: Bool { buffer.count > 0 }

    public init(output: FileDescriptor) {
        self.output = output
        // A pipe holds 64 KiB by default: a library's content (2 MiB for libc) would make the
        // supervisor wait for the writer some thirty times. Unprivileged users may ask for up to
        // /proc/sys/fs/pipe-max-size (1 MiB by default); a file or a refusal just keeps the default.
        _ = fcntl(output.rawValue, Self.setPipeSize, Self.pipeCapacity)
    }

    static let pipeCapacity: Int32 = 1 << 20
    /// F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7), which Glibc's module leaves out (it needs _GNU_SOURCE).
    private static let setPipeSize: Int32 = 1031

    private var lastFlush = monotonicNanoseconds()

    public func send(_ message: Message) throws {
        message.frame(into: &buffer)
        // Hand messages on at least every 20 ms, so that whatever kills the supervisor leaves
        // the writer holding all but the last few milliseconds of the recording.
        if buffer.count >= Self.flushThreshold || monotonicNanoseconds() - lastFlush > Self.flushInterval { try flush() }
    }

    /// Hands buffered messages to the writer, so that a crash of the supervisor loses as little as possible.
    public func flush() throws {
        guard hasPending else { return }
        do {
            _ = try output.writeAll(buffer.bytes)
        } catch let error as Errno {
            throw RRError.system(call: "write to the trace-writer", errno: error.rawValue,
                                 detail: "the trace-writer is gone")
        }
        bytesSent += UInt64(buffer.count)
        // A large message (a whole file, a big read) does not keep its storage for the rest of the recording.
        if buffer.count > 4 * Self.flushThreshold { buffer = ByteWriter(capacity: Self.flushThreshold) } else { buffer.removeAll() }
        lastFlush = monotonicNanoseconds()
    }
}
