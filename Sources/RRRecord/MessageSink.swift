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
    private var buffer: [UInt8] = []
    private static let flushThreshold = 256 << 10
    public private(set) var bytesSent: UInt64 = 0
    /// The longest a message waits in the buffer while the recording goes on.
    static let flushInterval: Int64 = 20_000_000
    /// Whether messages wait to be handed on.
    var hasPending: Bool { !buffer.isEmpty }

    public init(output: FileDescriptor) { self.output = output }

    private var lastFlush = monotonicNanoseconds()

    public func send(_ message: Message) throws {
        buffer += message.framed()
        // Hand messages on at least every 20 ms, so that whatever kills the supervisor leaves
        // the writer holding all but the last few milliseconds of the recording.
        if buffer.count >= Self.flushThreshold || monotonicNanoseconds() - lastFlush > Self.flushInterval { try flush() }
    }

    /// Hands buffered messages to the writer, so that a crash of the supervisor loses as little as possible.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            _ = try output.writeAll(buffer)
        } catch let error as Errno {
            throw RRError.system(call: "write to the trace-writer", errno: error.rawValue,
                                 detail: "the trace-writer is gone")
        }
        bytesSent += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
        lastFlush = monotonicNanoseconds()
    }
}
