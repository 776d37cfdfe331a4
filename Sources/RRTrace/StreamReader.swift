import RRCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Reads a trace stream from a file descriptor block by block, verifying each block, and hands
/// out the framed messages inside. Memory use is bounded by the largest message, not the trace.
public final class StreamReader {
    private let input: FileDescriptor
    private var buffer: [UInt8] = []
    private var bufferOffset = 0
    private var nextSequence: UInt32 = 0
    private var sawFinalBlock = false
    /// Set once `next` has said the stream is over: with `partial`, the bytes held after that are
    /// the start of a message cut off by the truncation, not messages.
    private var finished = false
    private var streamOffset: UInt64 = 0
    /// Uncompressed message bytes read so far.
    public private(set) var rawBytes: UInt64 = 0
    /// Whether the stream ended without its final block but everything before it was sound.
    public private(set) var endedEarly = false
    /// With `partial`, a truncated stream ends quietly after its last complete block.
    public let partial: Bool
    /// The block compression the stream header names.
    public private(set) var compression: StreamFormat.Compression = .zlib

    public init(input: FileDescriptor, partial: Bool = false) throws {
        self.input = input
        self.partial = partial
        let header = try describing("read trace") { try readUpTo(input, count: StreamFormat.headerSize) }
        if header.isEmpty { throw RRError.corruptTrace("the trace is empty") }
        compression = try StreamFormat.decodeHeader(header)
        streamOffset = UInt64(header.count)
    }

    /// Whether the reader opened its input (`open`) and so closes it: a debugging session opens
    /// the trace again for each replay it goes back with.
    private var ownsInput = false

    deinit { if ownsInput { try? input.close() } }

    /// Opens a trace file, or stdin for "-", with a one-line error for a path that cannot be read.
    public static func open(_ path: String, partial: Bool = false) throws -> StreamReader {
        let fd: FileDescriptor
        if path == "-" {
            fd = .standardInput
        } else {
            do {
                fd = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
            } catch let error as Errno {
                throw RRError.usage("cannot open trace \(path): \(String(cString: strerror(error.rawValue)))")
            }
        }
        let reader = try StreamReader(input: fd, partial: partial)
        reader.ownsInput = path != "-"
        return reader
    }

    /// The next message, or nil at the end of a complete trace (and from then on).
    public func next() throws -> Message? {
        if finished { return nil }
        guard let message = try nextMessage() else {
            finished = true
            return nil
        }
        return message
    }

    private func nextMessage() throws -> Message? {
        guard let frame = try take(Message.frameHeaderSize) else { return nil }
        var header = ByteReader(frame, what: "message frame")
        let kind = try header.u8()
        let length = Int(try header.u32())
        guard length <= StreamFormat.maximumBlockSize * 4 else { throw RRError.corruptTrace("message claims \(length) bytes") }
        guard let payload = try take(length) else {
            if endedEarly { return nil }
            throw RRError.corruptTrace("trace ends inside a message")
        }
        return try Message.decode(kind: kind, payload: payload)
    }

    /// Takes `count` bytes of message data, reading blocks as needed; nil at a clean end.
    private func take(_ count: Int) throws -> [UInt8]? {
        while buffer.count - bufferOffset < count {
            if !(try readBlock()) {
                if buffer.count == bufferOffset || endedEarly { return nil }
                throw RRError.corruptTrace("trace ends inside a message")
            }
        }
        defer { bufferOffset += count }
        return Array(buffer[bufferOffset..<bufferOffset + count])
    }

    /// Reads and appends one block; false at the end of the stream.
    private func readBlock() throws -> Bool {
        if sawFinalBlock {
            let trailing = try describing("read trace") { try readUpTo(input, count: 1) }
            if !trailing.isEmpty { throw RRError.corruptTrace("unexpected bytes after the final block, at byte offset \(streamOffset)") }
            return false
        }
        let blockOffset = streamOffset
        let headerBytes = try describing("read trace") { try readUpTo(input, count: StreamFormat.blockHeaderSize) }
        if headerBytes.count < StreamFormat.blockHeaderSize {
            return try endOfInput(at: blockOffset, detail: headerBytes.isEmpty ? "" : "inside a block header")
        }
        let header = try StreamFormat.BlockHeader.decode(headerBytes, at: blockOffset)
        let stored = try describing("read trace") { try readUpTo(input, count: Int(header.storedSize)) }
        if stored.count < Int(header.storedSize) {
            return try endOfInput(at: blockOffset, detail: "inside block \(header.sequence)")
        }
        let checksum = Deflate.crc32(stored, initial: Deflate.crc32(Array(headerBytes[0..<24])))
        guard checksum == header.checksum else {
            throw RRError.corruptTrace("block \(header.sequence) at byte offset \(blockOffset) fails its checksum")
        }
        guard header.sequence == nextSequence else {
            throw RRError.corruptTrace("block \(header.sequence) at byte offset \(blockOffset) is out of order (expected \(nextSequence))")
        }
        let raw = try compression.decompress(stored, expectedSize: Int(header.rawSize))
        rawBytes += UInt64(raw.count)
        nextSequence += 1
        streamOffset += UInt64(StreamFormat.blockHeaderSize) + UInt64(stored.count)
        sawFinalBlock = header.flags.contains(.final)
        buffer.removeSubrange(0..<bufferOffset)
        bufferOffset = 0
        buffer += raw
        return true
    }

    private func endOfInput(at offset: UInt64, detail: String) throws -> Bool {
        let place = detail.isEmpty ? "" : " (\(detail))"
        if partial {
            endedEarly = true
            return false
        }
        throw RRError.corruptTrace("trace is truncated at byte offset \(offset)\(place) after \(nextSequence) complete blocks; it has no final block (use --partial to replay the complete prefix)")
    }

    /// A place in the stream to read on from later, in another reader of the same file (a replay
    /// checkpoint's): the offset of the next block and the message bytes already decompressed.
    public struct Bookmark {
        fileprivate let streamOffset: UInt64
        fileprivate let pending: [UInt8]
        fileprivate let nextSequence: UInt32
        fileprivate let sawFinalBlock: Bool
        fileprivate let rawBytes: UInt64
    }

    /// Where the next message starts.
    public func bookmark() -> Bookmark {
        Bookmark(streamOffset: streamOffset, pending: Array(buffer[bufferOffset...]), nextSequence: nextSequence,
                 sawFinalBlock: sawFinalBlock, rawBytes: rawBytes)
    }

    /// Opens the trace file `path` (not stdin) to read on from `bookmark`, taken in a reader of it.
    public static func open(_ path: String, partial: Bool = false, at bookmark: Bookmark) throws -> StreamReader {
        let reader = try open(path, partial: partial)
        _ = try describing("seek in trace") { try reader.input.seek(offset: Int64(bookmark.streamOffset), from: .start) }
        reader.streamOffset = bookmark.streamOffset
        reader.buffer = bookmark.pending
        reader.nextSequence = bookmark.nextSequence
        reader.sawFinalBlock = bookmark.sawFinalBlock
        reader.rawBytes = bookmark.rawBytes
        return reader
    }

    /// Where the readable part of the stream ends (for --partial reports).
    public var completeBytes: UInt64 { streamOffset }
    public var completeBlocks: UInt32 { nextSequence }
}
