import RRCore
import RRTrace
import SystemPackage

/// Where the supervisor sends protocol messages: the pipe to the trace-writer.
public final class PipeSink {
    private let output: FileDescriptor
    private var buffer: [UInt8] = []
    private static let flushThreshold = 256 << 10
    public private(set) var bytesSent: UInt64 = 0

    public init(output: FileDescriptor) { self.output = output }

    public func send(_ message: Message) throws {
        buffer += message.framed()
        if buffer.count >= Self.flushThreshold { try flush() }
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
    }
}
