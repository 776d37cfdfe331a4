import Testing
import RRCore

@Suite struct RandomInstructionTests {
    static let sample = Registers(words: (0..<Registers.wordCount).map { 0x1111_2222_3333_0000 + UInt64($0) })

    /// Encodings as gcc emits them (checked with objdump): the register, width and length read back.
    @Test(arguments: [
        ([0x0f, 0xc7, 0xf0], false, 0, 4, 3),        // rdrand %eax
        ([0x0f, 0xc7, 0xfa], true, 2, 4, 3),         // rdseed %edx
        ([0x48, 0x0f, 0xc7, 0xf1], false, 1, 8, 4),  // rdrand %rcx
        ([0x49, 0x0f, 0xc7, 0xf8], true, 8, 8, 4),   // rdseed %r8
        ([0x66, 0x0f, 0xc7, 0xf3], false, 3, 2, 4),  // rdrand %bx
        ([0x66, 0x41, 0x0f, 0xc7, 0xf7], false, 15, 2, 5),  // rdrand %r15w
    ] as [([UInt8], Bool, Int, Int, Int)])
    func decodesAndRoundTripsThroughThePatch(bytes: [UInt8], isSeed: Bool, register: Int, width: Int, length: Int) throws {
        let original = try #require(RandomInstruction(original: bytes[...]))
        #expect(original.isSeed == isSeed && original.register == register && original.width == width && original.length == length)
        let patched = original.patchedBytes
        #expect(patched.count == bytes.count)
        #expect(Array(patched.prefix(2)) == [0x0f, 0x0b])
        #expect(RandomInstruction(patched: (patched + [0x90])[...]) == original)
        #expect(RandomInstruction(original: patched[...]) == nil)
    }

    @Test(arguments: [
        [0x0f, 0xc7, 0x30],        // vmptrld-style memory operand (mod 0)
        [0x0f, 0xc7, 0xe8],        // reg 5: not RDRAND or RDSEED
        [0x0f, 0xc7],              // cut short
        [0x0f, 0x0b, 0x90],        // a program's own ud2 before a nop
        [0xf3, 0x0f, 0xc7, 0xf8],  // rdpid
    ] as [[UInt8]])
    func othersAreNotTaken(bytes: [UInt8]) {
        #expect(RandomInstruction(original: bytes[...]) == nil)
        #expect(RandomInstruction(patched: bytes[...]) == nil)
    }

    @Test func successWritesTheOperandSizeAndSetsOnlyTheCarry() throws {
        var registers = Self.sample
        registers.eflags = 0xffff_ffff & ~1  // every flag set but CF
        let value: UInt64 = 0xaaaa_bbbb_cccc_dddd
        let rdrandEax = try #require(RandomInstruction(original: [0x0f, 0xc7, 0xf0][...]))
        let rip = registers.rip
        rdrandEax.apply(value: value, to: &registers)
        #expect(registers.rax == 0xcccc_dddd)
        #expect(registers.rip == rip + 3)
        let cleared: UInt64 = 1 << 11 | 1 << 7 | 1 << 6 | 1 << 4 | 1 << 2
        #expect(registers.eflags & 1 == 1 && registers.eflags & cleared == 0)
        #expect(registers.eflags | cleared | 1 == 0xffff_ffff)  // the other flags untouched

        let rdrandBx = try #require(RandomInstruction(original: [0x66, 0x0f, 0xc7, 0xf3][...]))
        let rbx = registers[encoded: 3]
        rdrandBx.apply(value: value, to: &registers)
        #expect(registers[encoded: 3] == (rbx & ~0xffff) | 0xdddd)

        let rdseedR8 = try #require(RandomInstruction(original: [0x49, 0x0f, 0xc7, 0xf8][...]))
        rdseedR8.apply(value: value, to: &registers)
        #expect(registers[encoded: 8] == value)
        #expect(registers.words[Registers.names.firstIndex(of: "r8")!] == value)
    }
}
