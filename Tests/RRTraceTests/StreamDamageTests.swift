import Testing
import RRCore
import RRTrace

/// Corrupted and truncated streams: the reader names what is wrong and where, and with
/// `partial` hands out everything before the damage.
@Suite struct StreamDamageTests {
    static func group(_ seed: Int, count: Int) -> [Message] {
        (0..<count).map { index in
            .event(.instructionTrap(InstructionTrapEvent(tid: Tid(Int32(seed)), kind: .rdtsc, rip: UInt64(index),
                                                         rax: UInt64(seed * 1000 + index), rdx: 0, rcx: 0)))
        } + [.fileContent(hash: sampleHash(UInt8(seed)), bytes: pseudoRandomBytes(5000, seed: UInt64(seed) + 1))]
    }

    /// Three blocks: A, B, then C in the final block.
    static let groups = [group(1, count: 50), group(2, count: 60), group(3, count: 70)]

    static func stream() throws -> (bytes: [UInt8], blocks: [BlockLayout]) {
        let bytes = try streamOfBlocks(groups)
        let blocks = blockLayout(bytes)
        try #require(blocks.count == 3)
        return (bytes, blocks)
    }

    @Test(arguments: [0, 1, 2])
    func corruptedBlockDataNamesBlockAndOffset(block: Int) throws {
        var (bytes, blocks) = try Self.stream()
        bytes[blocks[block].dataOffset + blocks[block].storedSize / 2] ^= 0x10
        let outcome = try readStream(bytes)
        #expect(outcome.messages == Self.groups.prefix(block).flatMap { $0 }, "the blocks before the damage are read")
        #expect(outcome.errorText.contains("block \(block)"), "\(outcome.errorText)")
        #expect(outcome.errorText.contains("byte offset \(blocks[block].offset)"), "\(outcome.errorText)")
        #expect(outcome.errorText.contains("checksum"), "\(outcome.errorText)")
    }

    @Test(arguments: [4, 8, 12, 16, 20])
    func corruptedBlockHeaderFieldsAreNoticed(field: Int) throws {
        var (bytes, blocks) = try Self.stream()
        bytes[blocks[1].offset + field] ^= 0x01
        let outcome = try readStream(bytes)
        #expect(outcome.error != nil)
        #expect(outcome.messages.count <= Self.groups[0].count)
    }

    @Test func badBlockMagicNamesItsOffset() throws {
        var (bytes, blocks) = try Self.stream()
        bytes[blocks[1].offset] ^= 0xff
        let outcome = try readStream(bytes)
        #expect(outcome.messages == Self.groups[0])
        #expect(outcome.errorText.contains("bad block magic at byte offset \(blocks[1].offset)"), "\(outcome.errorText)")
    }

    @Test func aRepeatedBlockIsOutOfOrder() throws {
        let (bytes, blocks) = try Self.stream()
        let first = Array(bytes[blocks[0].offset..<blocks[0].end])
        let doubled = Array(bytes[..<blocks[0].end]) + first + Array(bytes[blocks[1].offset...])
        let outcome = try readStream(doubled)
        #expect(outcome.messages == Self.groups[0])
        #expect(outcome.errorText.contains("out of order"), "\(outcome.errorText)")
    }

    enum Cut: String, CaseIterable {
        case insideStreamHeader, rightAfterStreamHeader, insideBlockHeader, insideBlockData, atBoundaryBeforeFinalBlock, insideFinalBlock

        func offset(_ blocks: [BlockLayout]) -> Int {
            switch self {
            case .insideStreamHeader: 10
            case .rightAfterStreamHeader: 20
            case .insideBlockHeader: blocks[1].offset + 10
            case .insideBlockData: blocks[1].dataOffset + blocks[1].storedSize / 2
            case .atBoundaryBeforeFinalBlock: blocks[2].offset
            case .insideFinalBlock: blocks[2].end - 1
            }
        }

        /// How many blocks are whole before the cut.
        var completeBlocks: Int {
            switch self {
            case .insideStreamHeader, .rightAfterStreamHeader: 0
            case .insideBlockHeader, .insideBlockData: 1
            case .atBoundaryBeforeFinalBlock, .insideFinalBlock: 2
            }
        }
    }

    @Test(arguments: Cut.allCases)
    func truncatedStreamIsReportedAsTruncated(cut: Cut) throws {
        let (bytes, blocks) = try Self.stream()
        let outcome = try readStream(Array(bytes.prefix(cut.offset(blocks))))
        let text = try #require(outcome.error.map { "\($0)" }, "a truncated stream was read without error")
        #expect(text.contains("truncated"), "\(text)")
        #expect(outcome.messages == Self.groups.prefix(cut.completeBlocks).flatMap { $0 })
    }

    @Test(arguments: Cut.allCases.filter { $0 != .insideStreamHeader })
    func partialReadingReturnsTheCompleteBlocks(cut: Cut) throws {
        let (bytes, blocks) = try Self.stream()
        let outcome = try readStream(Array(bytes.prefix(cut.offset(blocks))), partial: true)
        #expect(outcome.error == nil, "\(outcome.errorText)")
        #expect(outcome.messages == Self.groups.prefix(cut.completeBlocks).flatMap { $0 })
        #expect(outcome.endedEarly)
        #expect(outcome.completeBlocks == UInt32(cut.completeBlocks))
    }

    @Test func partialReadingOfACompleteStreamDoesNotEndEarly() throws {
        let outcome = try readStream(try Self.stream().bytes, partial: true)
        #expect(outcome.error == nil)
        #expect(outcome.messages == Self.groups.flatMap { $0 })
        #expect(!outcome.endedEarly)
    }
}
