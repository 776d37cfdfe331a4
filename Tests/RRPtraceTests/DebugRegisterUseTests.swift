import Testing
@testable import RRPtrace

/// The debug control register (DR7) for each use of a debug register, and the aligned pieces a
/// watched range is split into (the CPU watches 1, 2, 4 or 8 aligned bytes per register).
@Suite struct DebugRegisterUseTests {
    typealias Watch = DebugRegisterUse.DataWatch

    @Test func controlBitsFollowTheIntelLayout() {
        #expect(DebugRegisterUse.control([nil, nil, nil, nil]) == 0)
        #expect(DebugRegisterUse.control([.execute(0x401000), nil, nil, nil]) == 0x1)
        // Register 1, writes of 8 bytes: enable bit 2; condition 01 and length 10 at bits 20-23.
        #expect(DebugRegisterUse.control([nil, .watch(Watch(address: 0x1000, length: 8, access: .write)), nil, nil]) == 0x90_0004)
        // Register 3, reads or writes of 4 bytes: enable bit 6; 11 and 11 at bits 28-31.
        #expect(DebugRegisterUse.control([nil, nil, nil, .watch(Watch(address: 0x1000, length: 4, access: .readOrWrite))]) == 0xF000_0040)
        // Register 2, writes of 1 and of 2 bytes.
        #expect(DebugRegisterUse.control([nil, nil, .watch(Watch(address: 0x1001, length: 1, access: .write)), nil]) == 0x0100_0010)
        #expect(DebugRegisterUse.control([nil, nil, .watch(Watch(address: 0x1002, length: 2, access: .write)), nil]) == 0x0500_0010)
    }

    @Test func rangesSplitIntoAlignedPieces() {
        func pieces(_ address: UInt64, _ length: Int) -> [String] {
            DebugRegisterUse.alignedPieces(address: address, length: length).map { "\(String($0.address, radix: 16))/\($0.length)" }
        }
        #expect(pieces(0x1000, 8) == ["1000/8"])
        #expect(pieces(0x1000, 16) == ["1000/8", "1008/8"])
        #expect(pieces(0x1003, 6) == ["1003/1", "1004/4", "1008/1"])
        #expect(pieces(0x1002, 4) == ["1002/2", "1004/2"])
        #expect(pieces(0x1000, 0) == [])
    }
}
