import CPatchDecoder
import Testing

/// The decoder checks behind replay's search trampolines: moving instructions to another
/// address, and whether a function has a branch into the bytes a jump would cover.
@Suite struct InstructionRelocationTests {
    static let from: UInt64 = 0x40_1000, to: UInt64 = 0x50_2000

    /// (bytes covered, moved bytes) or nil when refused.
    func relocate(_ code: [UInt8], from: UInt64 = from, to: UInt64 = to, needed: Int = 5) -> (Int, [UInt8])? {
        var out = [UInt8](repeating: 0, count: 64)
        var written = 0
        let covered = code.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { rr_relocate_instructions(source.baseAddress, source.count, from, to, needed, $0.baseAddress, $0.count, &written) }
        }
        return covered == 0 ? nil : (covered, Array(out.prefix(written)))
    }

    func le32(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: Int32(value).littleEndian) { Array($0) } }

    @Test func ripRelativeLoadKeepsItsTarget() throws {
        // mov 0x10(%rip), %rax: the data is at from + 7 + 0x10 wherever the copy runs.
        let (covered, moved) = try #require(relocate([0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00]))
        #expect(covered == 7)
        let target = Int64(Self.from + 7 + 0x10), next = Int64(Self.to + 7)
        #expect(moved == [0x48, 0x8b, 0x05] + le32(target - next))
    }

    @Test func shortConditionalJumpBecomesRel32ToTheSameTarget() throws {
        // jne .-3 (back to from - 3), then three nops to cover five bytes.
        let (covered, moved) = try #require(relocate([0x75, 0xfb, 0x90, 0x90, 0x90]))
        #expect(covered == 5)
        let target = Int64(Self.from + 2) - 5
        #expect(moved == [0x0f, 0x85] + le32(target - Int64(Self.to + 6)) + [0x90, 0x90, 0x90])
    }

    @Test func returnMovesAsItIs() throws {
        // pop %rbx; ret; nopl 0x0(%rax,%rax,1)
        let code: [UInt8] = [0x5b, 0xc3, 0x0f, 0x1f, 0x44, 0x00, 0x00]
        let (covered, moved) = try #require(relocate(code))
        #expect(covered == 7 && moved == code)
    }

    func le64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    @Test func directCallPushesTheOriginalReturnAddress() throws {
        // call .+0x105: push the address after the original call (a constant after the jump),
        // then jump to the same target.
        let (covered, moved) = try #require(relocate([0xe8, 0x00, 0x01, 0x00, 0x00]))
        #expect(covered == 5)
        let target = Int64(Self.from + 5 + 0x100)
        #expect(moved == [0xff, 0x35] + le32(5) + [0xe9] + le32(target - Int64(Self.to + 11)) + le64(Self.from + 5))
    }

    @Test func indirectCallBecomesAJumpThroughTheSameOperand() throws {
        // mov %rax, %rdi; call *0x30(%rax)
        let (covered, moved) = try #require(relocate([0x48, 0x89, 0xc7, 0xff, 0x50, 0x30]))
        #expect(covered == 6)
        #expect(moved == [0x48, 0x89, 0xc7, 0xff, 0x35] + le32(3) + [0xff, 0x60, 0x30] + le64(Self.from + 6))
    }

    @Test(arguments: [
        [0xff, 0x50, 0x30, 0x90, 0x90],  // call before the last instruction: would return into the jump
        [0x90, 0xff, 0x54, 0x24, 0x08],  // call *8(%rsp): the operand would be read after the push
        [0xe3, 0x02, 0x90, 0x90, 0x90],  // jrcxz: no rel32 form
        [0x0f, 0x05, 0x90, 0x90, 0x90],  // syscall
        [0xcc, 0x90, 0x90, 0x90, 0x90],  // int3
    ] as [[UInt8]])
    func refusesWhatCannotRunElsewhere(code: [UInt8]) {
        #expect(relocate(code) == nil)
    }

    @Test func refusesADisplacementOutOfReach() {
        #expect(relocate([0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00], to: Self.from + (1 << 33)) == nil)
    }

    /// xor %eax,%eax; L: inc %eax; cmp $10,%eax; jne L; ret — at 0x1000.
    static let loop: [UInt8] = [0x31, 0xc0, 0xff, 0xc0, 0x83, 0xf8, 0x0a, 0x75, 0xf9, 0xc3]

    func check(_ function: [UInt8], _ from: UInt64, _ to: UInt64) -> Int32 {
        function.withUnsafeBufferPointer { rr_no_branch_into($0.baseAddress, $0.count, 0x1000, from, to) }
    }

    func noBranchInto(_ function: [UInt8], _ from: UInt64, _ to: UInt64) -> Bool { check(function, from, to) == 1 }

    @Test func aBranchIntoTheRangeIsFound() {
        #expect(!noBranchInto(Self.loop, 0x1000, 0x1005))  // the jne lands at 0x1002
        #expect(noBranchInto(Self.loop, 0x1004, 0x1009))  // from the cmp on: nothing lands inside
        #expect(noBranchInto(Self.loop, 0x1002, 0x1007))  // a landing exactly at the start is fine
        #expect(!noBranchInto(Self.loop, 0x1003, 0x1008))  // not an instruction's start
    }

    @Test func branchTargetsAreTheDirectJumpsAndCalls() {
        let function: [UInt8] = Self.loop.dropLast() + [0xe8, 0x10, 0, 0, 0, 0xff, 0xe0]  // ... call .+0x15; jmp *%rax
        var out = [UInt64](repeating: 0, count: 8)
        let count = function.withUnsafeBufferPointer { code in
            out.withUnsafeMutableBufferPointer { rr_branch_targets(code.baseAddress, code.count, 0x1000, $0.baseAddress, $0.count) }
        }
        #expect(Array(out.prefix(count)) == [0x1002, 0x101e])  // the jne's target, the call's (0x100e + 0x10)
    }

    /// add %rsi,%rdi; mov %rdi,%rax; shr $31,%rax; xor %rdi,%rax; ret — at 0x1000 (the ret at 0x100d).
    static let mix: [UInt8] = [0x48, 0x01, 0xf7, 0x48, 0x89, 0xf8, 0x48, 0xc1, 0xe8, 0x1f, 0x48, 0x31, 0xf8, 0xc3]

    func leadIn(_ function: [UInt8], to point: UInt64) -> UInt64 {
        function.withUnsafeBufferPointer { rr_lead_in_start($0.baseAddress, $0.count, 0x1000, point, 5) }
    }

    @Test func aLeadInIsTheNearestRunOfFiveBytesThatFallsIntoThePoint() {
        #expect(leadIn(Self.mix, to: 0x100d) == 0x1006)  // shr and xor: 7 bytes
        #expect(leadIn(Self.mix, to: 0x100a) == 0x1003)  // mov and shr
        #expect(leadIn(Self.mix, to: 0x1003) == 0)  // only 3 bytes before it
        #expect(leadIn(Self.mix, to: 0x100b) == 0)  // not an instruction's start
    }

    @Test func aLeadInStopsAtCodeThatDoesNotFallThrough() {
        // jmp .+2, then the loop: xor at 0x1002, inc at 0x1004, cmp at 0x1006, jne at 0x1009,
        // ret at 0x100b. A conditional jump may be part of a lead-in; the jmp cuts it.
        let function: [UInt8] = [0xeb, 0x00] + Self.loop
        #expect(leadIn(function, to: 0x1009) == 0x1004)  // inc and cmp
        #expect(leadIn(function, to: 0x100b) == 0x1006)  // cmp and jne
        #expect(leadIn(function, to: 0x1006) == 0)  // xor and inc: 4 bytes since the jmp
        let called: [UInt8] = [0xe8, 0, 0, 0, 0, 0x90, 0x90, 0x90, 0x90, 0xc3]  // call; 4 nops; ret
        #expect(leadIn(called, to: 0x1009) == 0)
    }

    @Test func aJumpThroughARegisterMakesEveryRangeUnsafe() {
        let function = Self.loop.dropLast() + [0xff, 0xe0]  // ... jmp *%rax
        #expect(check(Array(function), 0x1004, 0x1009) == -1)
        // A direct branch after the indirect jump still rules a range out (python3's eval loop:
        // a je into the bytes after its dispatch jump, further on in the function).
        let later = Array(function) + [0x74, 0xf7]  // je 0x1004, at 0x100b
        #expect(check(Array(function), 0x1002, 0x1007) == -1)
        #expect(check(later, 0x1002, 0x1007) == 0)
    }

    @Test func namedAddressesAreRipRelativeAndAbsoluteOperands() {
        // lea 0x10(%rip), %rdx; jmp *0x2000(,%rax,8); mov (%rdx), %rax; mov %fs:0x28, %rax — at 0x1000.
        let function: [UInt8] = [0x48, 0x8d, 0x15, 0x10, 0x00, 0x00, 0x00, 0xff, 0x24, 0xc5, 0x00, 0x20, 0x00, 0x00,
                                 0x48, 0x8b, 0x02, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00]
        var out = [UInt64](repeating: 0, count: 8)
        let count = function.withUnsafeBufferPointer { code in
            out.withUnsafeMutableBufferPointer { rr_referenced_addresses(code.baseAddress, code.count, 0x1000, $0.baseAddress, $0.count) }
        }
        #expect(Array(out.prefix(count)) == [0x1017, 0x2000])
    }

    @Test func nopPaddingLengthStopsAtTheFirstRealInstruction() {
        // nopl (%rax); nopw 0x0(%rax,%rax,1); mov %rax, %rcx
        let code: [UInt8] = [0x0f, 0x1f, 0x00, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x48, 0x89, 0xc1]
        #expect(code.withUnsafeBufferPointer { rr_nop_length($0.baseAddress, $0.count) } == 9)
        #expect(Array(code.suffix(3)).withUnsafeBufferPointer { rr_nop_length($0.baseAddress, $0.count) } == 0)
    }
}
