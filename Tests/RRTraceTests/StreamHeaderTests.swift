import Testing
import RRCore
import RRTrace

@Suite struct StreamHeaderTests {
    /// A stream header with chosen fields and a correct checksum.
    static func header(version: UInt32 = StreamFormat.version, compression: UInt32 = 1) -> [UInt8] {
        var out = ByteWriter()
        out.raw(Array("RRSWIFT\0".utf8))
        out.u32(version)
        out.u32(compression)
        out.u32(Deflate.crc32(out.bytes))
        return out.bytes
    }

    @Test func crc32IsTheStandardOne() {
        #expect(Deflate.crc32(Array("123456789".utf8)) == 0xcbf4_3926)
        #expect(Deflate.crc32([]) == 0)
        // Chaining with `initial` equals one pass over the concatenation.
        #expect(Deflate.crc32(Array("6789".utf8), initial: Deflate.crc32(Array("12345".utf8))) == 0xcbf4_3926)
    }

    @Test func headerRoundTrips() throws {
        let bytes = StreamFormat.encodeHeader(compression: .zlib)
        #expect(bytes.count == StreamFormat.headerSize)
        #expect(bytes == Self.header())
        #expect(try StreamFormat.decodeHeader(bytes) == .zlib)
    }

    @Test func badMagicIsRejected() {
        var bytes = StreamFormat.encodeHeader(compression: .zlib)
        bytes[0] = UInt8(ascii: "X")
        #expect(corruptTraceText { _ = try StreamFormat.decodeHeader(bytes) }?.contains("bad magic") == true)
    }

    @Test(arguments: [8, 12, 16, 19])
    func badChecksumIsRejected(changedByte: Int) {
        var bytes = StreamFormat.encodeHeader(compression: .zlib)
        bytes[changedByte] ^= 0x40
        #expect(corruptTraceText { _ = try StreamFormat.decodeHeader(bytes) }?.contains("checksum") == true)
    }

    @Test func newerVersionIsUnsupportedNotCorrupt() {
        do {
            _ = try StreamFormat.decodeHeader(Self.header(version: StreamFormat.version + 1))
            Issue.record("a newer version's header was accepted")
        } catch RRError.unsupportedVersion(let found, let supported) {
            #expect(found == StreamFormat.version + 1)
            #expect(supported == StreamFormat.version)
        } catch {
            Issue.record("expected unsupportedVersion, got \(error)")
        }
    }

    /// Version 1 traces have no output digests: refused with what to do about it.
    @Test func olderVersionIsRefusedAsOlder() {
        #expect(StreamFormat.version == 2)
        do {
            _ = try StreamFormat.decodeHeader(Self.header(version: 1))
            Issue.record("a version 1 header was accepted")
        } catch {
            #expect("\(error)".contains("version 1 was written by an older rr-swift"), "\(error)")
            #expect("\(error)".contains("record the program again"), "\(error)")
        }
    }

    @Test func unknownCompressionIsRejected() {
        #expect(corruptTraceText { _ = try StreamFormat.decodeHeader(Self.header(compression: 7)) }?.contains("compression") == true)
    }

    @Test func wrongLengthIsRejected() {
        let bytes = StreamFormat.encodeHeader(compression: .zlib)
        _ = corruptTraceText { _ = try StreamFormat.decodeHeader(Array(bytes.prefix(19))) }
        _ = corruptTraceText { _ = try StreamFormat.decodeHeader(bytes + [0]) }
    }

    @Test func blockLayoutIsAsDocumented() throws {
        let stored: [UInt8] = [1, 2, 3, 4, 5]
        let block = StreamFormat.encodeBlock(sequence: 7, flags: .final, rawSize: 99, stored: stored)
        #expect(block.count == StreamFormat.blockHeaderSize + stored.count)
        #expect(Array(block[0..<4]) == Array("RBLK".utf8))
        #expect(Array(block[4..<8]) == [7, 0, 0, 0])
        #expect(Array(block[8..<12]) == [1, 0, 0, 0])
        #expect(Array(block[12..<16]) == [99, 0, 0, 0])
        #expect(Array(block[16..<20]) == [5, 0, 0, 0])
        #expect(Array(block[20..<24]) == [0, 0, 0, 0])
        let checksum = Deflate.crc32(Array(block[0..<24]) + stored)
        #expect(Array(block[24..<28]) == withUnsafeBytes(of: checksum.littleEndian, Array.init))
        #expect(Array(block[28...]) == stored)

        let header = try StreamFormat.BlockHeader.decode(Array(block[0..<28]), at: 20)
        #expect(header.sequence == 7 && header.flags == .final && header.rawSize == 99)
        #expect(header.storedSize == 5 && header.checksum == checksum)
    }

    @Test func blockHeaderWithBadMagicNamesItsOffset() {
        var block = StreamFormat.encodeBlock(sequence: 0, flags: [], rawSize: 0, stored: [])
        block[0] = 0
        let text = corruptTraceText { _ = try StreamFormat.BlockHeader.decode(block, at: 1234) }
        #expect(text?.contains("byte offset 1234") == true)
    }

    @Test func blockHeaderWithImpossibleSizeIsRejected() {
        let block = StreamFormat.encodeBlock(sequence: 0, flags: [], rawSize: Int(UInt32.max), stored: [])
        #expect(corruptTraceText { _ = try StreamFormat.BlockHeader.decode(block, at: 20) }?.contains("impossible size") == true)
    }
}
