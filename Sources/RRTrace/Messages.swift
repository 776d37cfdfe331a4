import RRCore

/// The messages of the pipe protocol, which are also the content of the trace stream
/// (see protocol/README.md). Each is framed as: type (u8), payload length (u32 LE), payload.
public enum Message: Equatable, Sendable {
    case header(TraceHeader)
    /// An event; `.bufferFlush` events travel as messages of type 4 (syscallBufferFlush).
    case event(TraceEvent)
    /// The content of a file the program mapped, sent once per distinct content before the
    /// first event that refers to it.
    case fileContent(hash: ContentHash, bytes: [UInt8])
    /// The recording's last message: how many events it holds, how it ended.
    case end(TraceEnd)

    public enum Kind: UInt8 {
        case header = 1, event = 2, fileContent = 3, syscallBufferFlush = 4, end = 5
    }

    public static let frameHeaderSize = 5
}

/// How a recording ended.
public struct TraceEnd: Equatable, Sendable {
    public var eventCount: UInt64
    /// The recorded program's status as a shell reports it (exit code or 128 + signal).
    public var exitStatus: Int32
    /// Empty for a complete recording; otherwise why recording stopped early (e.g. an unsupported syscall).
    public var error: String
    public init(eventCount: UInt64, exitStatus: Int32, error: String) {
        self.eventCount = eventCount
        self.exitStatus = exitStatus
        self.error = error
    }
}

extension Message {
    public var kind: Kind {
        switch self {
        case .header: .header
        case .event(.bufferFlush): .syscallBufferFlush
        case .event: .event
        case .fileContent: .fileContent
        case .end: .end
        }
    }

    /// The framed bytes of this message.
    public func framed() -> [UInt8] {
        var out = ByteWriter()
        frame(into: &out)
        return out.bytes
    }

    /// Appends the framed bytes of this message to `out`: the payload is encoded in place, and
    /// its length filled in after it, so a large file content or syscall result is copied once.
    public func frame(into out: inout ByteWriter) {
        let start = out.count
        out.u8(kind.rawValue)
        out.u32(0)
        encodePayload(into: &out)
        out.setU32(UInt32(out.count - start - Message.frameHeaderSize), at: start + 1)
    }

    func encodePayload(into out: inout ByteWriter) {
        switch self {
        case let .header(header):
            out.string(header.cpuModel)
            out.string(header.kernelRelease)
            out.string(header.hostname)
            out.u64(header.startTime)
            out.strings(header.commandLine)
            out.string(header.workingDirectory)
        case let .event(event):
            EventCoding.encode(event, into: &out)
        case let .fileContent(hash, bytes):
            out.raw(hash.bytes)
            out.u64(UInt64(bytes.count))
            out.raw(bytes)
        case let .end(end):
            out.u64(end.eventCount)
            out.i32(end.exitStatus)
            out.string(end.error)
        }
    }

    /// Decodes one message from its type byte and payload.
    public static func decode(kind rawKind: UInt8, payload: [UInt8]) throws -> Message {
        guard let kind = Kind(rawValue: rawKind) else {
            throw RRError.corruptTrace("unknown message type \(rawKind)")
        }
        var input = ByteReader(payload, what: "message of type \(kind)")
        let message: Message
        switch kind {
        case .header:
            message = .header(TraceHeader(cpuModel: try input.string(), kernelRelease: try input.string(),
                                          hostname: try input.string(), startTime: try input.u64(),
                                          commandLine: try input.strings(), workingDirectory: try input.string()))
        case .event:
            message = .event(try EventCoding.decode(&input))
        case .fileContent:
            let hash = ContentHash(bytes: try input.raw(32))
            let size = try input.u64()
            guard size == UInt64(payload.count - 40) else {
                throw RRError.corruptTrace("file content message claims \(size) bytes but holds \(payload.count - 40)")
            }
            message = .fileContent(hash: hash, bytes: try input.raw(Int(size)))
        case .syscallBufferFlush:
            message = .event(.bufferFlush(try EventCoding.decodeFlush(&input)))
        case .end:
            message = .end(TraceEnd(eventCount: try input.u64(), exitStatus: try input.i32(), error: try input.string()))
        }
        guard input.isAtEnd else { throw RRError.corruptTrace("message of type \(kind) has trailing bytes") }
        return message
    }
}
