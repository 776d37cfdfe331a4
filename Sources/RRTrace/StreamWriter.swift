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
    /// large message spans several blocks and no block grows past the reader's limits.
    public func append(_ bytes: [UInt8]) throws {
        pending += bytes
        while pending.count >= StreamFormat.blockTarget { try flushBlock(flags: [], count: StreamFormat.blockTarget) }
    }

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

    private func flushBlock(flags: StreamFormat.BlockFlags, count: Int? = nil) throws {
        let size = count ?? pending.count
        let raw = Array(pending[0..<size])
        let stored = try compression.compress(raw)
        try write(StreamFormat.encodeBlock(sequence: sequence, flags: flags, rawSize: size, stored: stored))
        rawBytes += UInt64(size)
        sequence += 1
        pending.removeSubrange(0..<size)
        lastBlockTime = time(nil)
    }

    private func write(_ bytes: [UInt8]) throws {
        try describing("write trace") { _ = try output.writeAll(bytes) }
        storedBytes += UInt64(bytes.count)
    }
}
