import Glibc
import Testing
import RRCore

@Suite struct RegistersTests {
    /// Distinct, recognisable words: word i is 0x1000 + i.
    static let sample = Registers(words: (0..<Registers.wordCount).map { 0x1000 + UInt64($0) })

    static func index(of name: String) -> Int { Registers.names.firstIndex(of: name)! }

    @Test func namesTableMatchesWordCount() {
        #expect(Registers.names.count == Registers.wordCount)
        #expect(Set(Registers.names).count == Registers.wordCount)
        #expect(MemoryLayout<user_regs_struct>.size == Registers.wordCount * 8)
    }

    @Test func digestIsFNV1aOverLittleEndianWords() {
        // Reference values computed with a plain FNV-1a 64 in python3 over the 216 bytes.
        #expect(Registers(words: Array(repeating: 0, count: 27)).digest == 0xadf3_83e2_6293_7205)
        #expect(Registers(words: (0..<27).map { UInt64($0) }).digest == 0xeece_bcd0_c5e2_f51e)
    }

    @Test func digestChangesWhenAnySingleWordChanges() {
        let base = Self.sample
        var seen: Set<UInt64> = [base.digest]
        for index in 0..<Registers.wordCount {
            for change: (UInt64) -> UInt64 in [{ $0 &+ 1 }, { $0 ^ (1 << 63) }, { $0 ^ (0xff << 24) }] {
                var changed = base
                changed.words[index] = change(changed.words[index])
                #expect(changed.digest != base.digest, "word \(Registers.names[index]) changed but the digest did not")
                seen.insert(changed.digest)
            }
        }
        #expect(seen.count == 1 + 3 * Registers.wordCount, "two different single-word changes gave the same digest")
    }

    @Test func rawRoundTripKeepsEveryWordInKernelOrder() {
        let raw = Self.sample.raw
        // The C struct's fields, read by name, must hold the word the names table puts there.
        let byField: [(String, UInt64)] = [
            ("r15", raw.r15), ("r14", raw.r14), ("r13", raw.r13), ("r12", raw.r12), ("rbp", raw.rbp),
            ("rbx", raw.rbx), ("r11", raw.r11), ("r10", raw.r10), ("r9", raw.r9), ("r8", raw.r8),
            ("rax", raw.rax), ("rcx", raw.rcx), ("rdx", raw.rdx), ("rsi", raw.rsi), ("rdi", raw.rdi),
            ("orig_rax", raw.orig_rax), ("rip", raw.rip), ("cs", raw.cs), ("eflags", raw.eflags),
            ("rsp", raw.rsp), ("ss", raw.ss), ("fs_base", raw.fs_base), ("gs_base", raw.gs_base),
            ("ds", raw.ds), ("es", raw.es), ("fs", raw.fs), ("gs", raw.gs),
        ]
        #expect(byField.count == Registers.wordCount)
        for (name, value) in byField {
            #expect(value == Self.sample.words[Self.index(of: name)], "field \(name)")
        }
        #expect(Registers(raw) == Self.sample)
    }

    @Test func rawFromCStructRoundTrips() {
        var raw = user_regs_struct()
        raw.rip = 0x4010_00
        raw.rsp = 0x7ffd_0000_1000
        raw.orig_rax = 59
        raw.gs = 0xdead
        let registers = Registers(raw)
        #expect(registers.rip == 0x4010_00)
        #expect(registers.rsp == 0x7ffd_0000_1000)
        #expect(registers.origRax == 59)
        #expect(registers.words[Self.index(of: "gs")] == 0xdead)
        #expect(registers.raw.rip == raw.rip && registers.raw.gs == raw.gs)
    }

    @Test func syscallArgumentsAreRdiRsiRdxR10R8R9() {
        let expected = ["rdi", "rsi", "rdx", "r10", "r8", "r9"].map { Self.sample.words[Self.index(of: $0)] }
        #expect(Self.sample.syscallArguments == expected)
        let raw = Self.sample.raw
        #expect(Self.sample.syscallArguments == [raw.rdi, raw.rsi, raw.rdx, raw.r10, raw.r8, raw.r9])
    }

    @Test func settingSyscallArgumentsWritesTheAbiRegistersOnly() {
        var registers = Self.sample
        registers.syscallArguments = [1, 2, 3, 4, 5, 6]
        let raw = registers.raw
        #expect([raw.rdi, raw.rsi, raw.rdx, raw.r10, raw.r8, raw.r9] == [1, 2, 3, 4, 5, 6])
        #expect(raw.rcx == Self.sample.raw.rcx)
        #expect(raw.r11 == Self.sample.raw.r11)
        #expect(registers.differences(from: Self.sample).count == 6)
    }

    @Test func namedAccessorsMatchTheCStruct() {
        var registers = Self.sample
        registers.rax = UInt64(bitPattern: -2)
        registers.rcx = 11
        registers.rdx = 12
        registers.origRax = 13
        registers.rip = 14
        registers.rsp = 15
        let raw = registers.raw
        #expect([raw.rax, raw.rcx, raw.rdx, raw.orig_rax, raw.rip, raw.rsp] == [UInt64(bitPattern: -2), 11, 12, 13, 14, 15])
        #expect(registers.syscallResult == -2)
    }

    @Test func differencesNameTheChangedRegister() {
        var changed = Self.sample
        changed.rip = 0xabc
        let differences = changed.differences(from: Self.sample)
        #expect(differences.count == 1)
        #expect(differences.first?.hasPrefix("rip") == true)
        #expect(differences.first?.contains("abc") == true)
    }
}
