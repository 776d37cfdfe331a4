import RRCore

/// The trace stream's fixed layouts (protocol/README.md, "Trace stream").
public enum StreamFormat {
    public static let magic: [UInt8] = Array("RRSWIFT\0".utf8)
    /// 2: syscall events carry the digest of a write-like call's output, and buffered output
    /// calls' records carry it as their data (protocol/README.md, "Versioning").
    public static let version: UInt32 = 2
    public static let headerSize = 20
    public static let blockMagic: UInt32 = 0x4B4C_4252  // "RBLK" little-endian
    public static let blockHeaderSize = 28
    /// Blocks are cut at this much uncompressed message data.
    public static let blockTarget = 1 << 20
    /// A block larger than this is treated as corruption rather than allocated.
    public static let maximumBlockSize = 256 << 20

    /// How each block's bytes are stored: zlib (RFC 1950) or one Zstandard frame.
    public enum Compression: UInt32, Sendable, CaseIterable {
        case zlib = 1, zstd = 2

        /// What rr-trace-writer uses unless told otherwise: zstd compresses the bench workloads'
        /// traces many times faster than zlib for about the same ratio, and with zlib the writer,
        /// not the program, set the pace of recording data-heavy programs (measured in
        /// protocol/README.md, section 6.3.1). zlib stays selectable and readable.
        public static let recordingDefault = Compression.zstd

        public var name: String { self == .zlib ? "zlib" : "zstd" }

        /// The level rr-trace-writer compresses at; a reader accepts any.
        public var level: Int32 { self == .zlib ? Deflate.defaultLevel : Zstandard.level }

        public func compress(_ raw: [UInt8]) throws -> [UInt8] {
            self == .zlib ? try Deflate.compress(raw) : try Zstandard.compress(raw)
        }

        public func decompress(_ stored: [UInt8], expectedSize: Int) throws -> [UInt8] {
            self == .zlib ? try Deflate.decompress(stored, expectedSize: expectedSize)
                : try Zstandard.decompress(stored, expectedSize: expectedSize)
        }
    }

    public struct BlockFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// The last block of a complete trace.
        public static let final = BlockFlags(rawValue: 1)
    }

    public static func encodeHeader(compression: Compression) -> [UInt8] {
        var out = ByteWriter()
        out.raw(magic)
        out.u32(version)
        out.u32(compression.rawValue)
        out.u32(Deflate.crc32(out.bytes))
        return out.bytes
    }

    /// Checks a stream header and returns its compression.
    public static func decodeHeader(_ bytes: [UInt8]) throws -> Compression {
        guard bytes.count == headerSize else {
            throw RRError.corruptTrace("trace is truncated inside its \(headerSize)-byte stream header (\(bytes.count) bytes)")
        }
        guard Array(bytes[0..<8]) == magic else { throw RRError.corruptTrace("not a trace: bad magic at byte 0") }
        var input = ByteReader(Array(bytes[8...]), what: "stream header")
        let version = try input.u32()
        let compression = try input.u32()
        let checksum = try input.u32()
        guard checksum == Deflate.crc32(Array(bytes[0..<16])) else {
            throw RRError.corruptTrace("stream header checksum mismatch at byte 16")
        }
        guard version == StreamFormat.version else {
            throw RRError.unsupportedVersion(found: version, supported: StreamFormat.version)
        }
        guard let known = Compression(rawValue: compression) else {
            throw RRError.corruptTrace("unknown compression \(compression) in stream header")
        }
        return known
    }

    /// One block's header: magic, sequence, flags, raw size, stored size, CRC-32 of the header's
    /// first 24 bytes followed by the stored bytes.
    public struct BlockHeader {
        public var sequence: UInt32
        public var flags: BlockFlags
        public var rawSize: UInt32
        public var storedSize: UInt32
        public var checksum: UInt32

        public func encodedPrefix() -> [UInt8] {
            var out = ByteWriter()
            out.u32(StreamFormat.blockMagic)
            out.u32(sequence)
            out.u32(flags.rawValue)
            out.u32(rawSize)
            out.u32(storedSize)
            return out.bytes + [0, 0, 0, 0]  // reserved
        }

        public static func decode(_ bytes: [UInt8], at offset: UInt64) throws -> BlockHeader {
            var input = ByteReader(bytes, what: "block header")
            guard try input.u32() == StreamFormat.blockMagic else {
                throw RRError.corruptTrace("bad block magic at byte offset \(offset)")
            }
            let sequence = try input.u32(), flags = BlockFlags(rawValue: try input.u32())
            let rawSize = try input.u32(), storedSize = try input.u32()
            _ = try input.u32()  // reserved
            let header = BlockHeader(sequence: sequence, flags: flags, rawSize: rawSize, storedSize: storedSize,
                                     checksum: try input.u32())
            guard Int(header.rawSize) <= maximumBlockSize, Int(header.storedSize) <= maximumBlockSize else {
                throw RRError.corruptTrace("block at byte offset \(offset) claims an impossible size")
            }
            return header
        }
    }

    /// Encodes one block around already compressed bytes.
    public static func encodeBlock(sequence: UInt32, flags: BlockFlags, rawSize: Int, stored: [UInt8]) -> [UInt8] {
        var header = BlockHeader(sequence: sequence, flags: flags, rawSize: UInt32(rawSize),
                                 storedSize: UInt32(stored.count), checksum: 0)
        let prefix = header.encodedPrefix()
        header.checksum = Deflate.crc32(stored, initial: Deflate.crc32(prefix))
        var out = ByteWriter(capacity: blockHeaderSize + stored.count)
        out.raw(prefix)
        out.u32(header.checksum)
        out.raw(stored)
        return out.bytes
    }
}
