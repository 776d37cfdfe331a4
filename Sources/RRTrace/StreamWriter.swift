import RRCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Cuts a message byte stream into compressed, checksummed blocks and writes them to a file
/// descriptor (the trace-writer's output).
public final class StreamWriter {
    private let output: FileDescriptor
    private var pending: [UInt8] = []
    private var sequence: UInt32 = 0
    public private(set) var rawBytes: UInt64 = 0
    public private(set) var storedBytes: UInt64 = 0

    private let compression: StreamFormat.Compression

    public init(output: FileDescriptor, compression: StreamFormat.Compression = .recordingDefault) throws {
        self.output = output
        self.compression = compression
        try write(StreamFormat.encodeHeader(compression: compression))
    }

    /// Adds message bytes; writes a block each time `blockTarget` bytes have accumulated, so a
    /// large message spans several blocks and no block grows past the reader's limits. Whole
    /// blocks are cut straight from `bytes`: only the tail shorter than a block waits in
    /// `pending`, which so never holds (or shifts down) a large message.
    public func append(_ bytes: ArraySlice<UInt8>) throws {
        var start = bytes.startIndex
        if !pending.isEmpty {
            let take = min(bytes.endIndex - start, StreamFormat.blockTarget - pending.count)
            pending += bytes[start..<start + take]
            start += take
            guard pending.count == StreamFormat.blockTarget else { return }
            try writeBlock(pending, flags: [])
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.endIndex - start >= StreamFormat.blockTarget {
            try writeBlock(Array(bytes[start..<start + StreamFormat.blockTarget]), flags: [])
            start += StreamFormat.blockTarget
        }
        pending += bytes[start...]
    }

    public func append(_ bytes: [UInt8]) throws { try append(bytes[...]) }

    public var hasPending: Bool { !pending.isEmpty }
    private var lastBlockTime = time(nil)
    public var secondsSinceLastBlock: Int { time(nil) - lastBlockTime }

    /// Adds a framed fileContent message (type 3) for content `hash`: in blocks of its own, taken
    /// from `cache` when they were compressed before (see CompressedBlockCache).
    public func appendFileContent(_ frame: [UInt8], hash: ContentHash, cache: CompressedBlockCache?) throws {
        guard let cache, frame.count >= CompressedBlockCache.minimumContent else { return try append(frame) }
        try flush()
        var start = 0, index = 0
        while start < frame.count {
            let end = min(frame.count, start + StreamFormat.blockTarget)
            let path = cache.path(hash: hash, compression: compression, index: index, rawSize: end - start)
            let stored: [UInt8]
            if let cached = cache.load(path) {
                stored = cached
            } else {
                stored = try compression.compress(Array(frame[start..<end]))
                cache.save(stored, to: path)
            }
            try write(StreamFormat.encodeBlock(sequence: sequence, flags: [], rawSize: end - start, stored: stored))
            rawBytes += UInt64(end - start)
            sequence += 1
            lastBlockTime = time(nil)
            start = end
            index += 1
        }
    }

    /// Writes what is pending as a block, so a reader sees everything appended so far.
    public func flush() throws {
        if !pending.isEmpty { try flushBlock(flags: []) }
    }

    /// Writes the last block, marked final: the trace is complete.
    public func finish() throws {
        try flushBlock(flags: .final)
    }

    private func flushBlock(flags: StreamFormat.BlockFlags) throws {
        try writeBlock(pending, flags: flags)
        pending.removeAll(keepingCapacity: true)
    }

    private func writeBlock(_ raw: [UInt8], flags: StreamFormat.BlockFlags) throws {
        let stored = try compression.compress(raw)
        try write(StreamFormat.encodeBlock(sequence: sequence, flags: flags, rawSize: raw.count, stored: stored))
        rawBytes += UInt64(raw.count)
        sequence += 1
        lastBlockTime = time(nil)
    }

    private func write(_ bytes: [UInt8]) throws {
        try describing("write trace") { _ = try output.writeAll(bytes) }
        storedBytes += UInt64(bytes.count)
    }
}
