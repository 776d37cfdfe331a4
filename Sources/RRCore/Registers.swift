import CRRShims

/// The x86-64 general-purpose register file as ptrace's PTRACE_GETREGS returns it
/// (`struct user_regs_struct`), kept as its 27 words in kernel order so that it can be
/// stored, compared and digested without caring about field names.
public struct Registers: Equatable, Sendable {
    public static let wordCount = 27
    public static let names = [
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
        "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds",
        "es", "fs", "gs",
    ]
    public var words: [UInt64]

    public init(words: [UInt64]) {
        precondition(words.count == Registers.wordCount)
        self.words = words
    }

    public init(_ raw: user_regs_struct) {
        var copy = raw
        words = withUnsafeBytes(of: &copy) { Array($0.bindMemory(to: UInt64.self)) }
    }

    public var raw: user_regs_struct {
        var value = user_regs_struct()
        withUnsafeMutableBytes(of: &value) { buffer in
            for (index, word) in words.enumerated() { buffer.storeBytes(of: word, toByteOffset: index * 8, as: UInt64.self) }
        }
        return value
    }

    /// The registers as the bytes of a struct user_regs_struct (what PTRACE_GETREGS writes).
    public var bytes: [UInt8] { withUnsafeBytes(of: raw) { Array($0) } }

    private static func index(_ name: String) -> Int { names.firstIndex(of: name)! }
    private static let raxIndex = index("rax"), origRaxIndex = index("orig_rax"), ripIndex = index("rip")
    private static let rspIndex = index("rsp"), rdxIndex = index("rdx"), rcxIndex = index("rcx"), eflagsIndex = index("eflags")
    private static let argIndices = ["rdi", "rsi", "rdx", "r10", "r8", "r9"].map(index)

    public var rax: UInt64 { get { words[Self.raxIndex] } set { words[Self.raxIndex] = newValue } }
    public var rcx: UInt64 { get { words[Self.rcxIndex] } set { words[Self.rcxIndex] = newValue } }
    public var rdx: UInt64 { get { words[Self.rdxIndex] } set { words[Self.rdxIndex] = newValue } }
    public var origRax: UInt64 { get { words[Self.origRaxIndex] } set { words[Self.origRaxIndex] = newValue } }
    public var rip: UInt64 { get { words[Self.ripIndex] } set { words[Self.ripIndex] = newValue } }
    public var eflags: UInt64 { get { words[Self.eflagsIndex] } set { words[Self.eflagsIndex] = newValue } }

    /// The general-purpose registers in the order x86 encodes them (a ModRM or REX register number).
    private static let encodingOrder = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"].map(index)
    /// The general-purpose register that x86 encodes as `number` (0-15).
    public subscript(encoded number: Int) -> UInt64 {
        get { words[Self.encodingOrder[number]] }
        set { words[Self.encodingOrder[number]] = newValue }
    }
    public var rsp: UInt64 { get { words[Self.rspIndex] } set { words[Self.rspIndex] = newValue } }

    /// The six syscall argument registers in ABI order (rdi, rsi, rdx, r10, r8, r9).
    public var syscallArguments: [UInt64] {
        get { Self.argIndices.map { words[$0] } }
        set { for (slot, index) in Self.argIndices.enumerated() { words[index] = newValue[slot] } }
    }

    /// The syscall result as a signed value: negative values in -4095...-1 are -errno.
    public var syscallResult: Int64 { Int64(bitPattern: rax) }

    /// A 64-bit FNV-1a digest of all registers; recorded at each syscall so that replay notices
    /// a divergence in any register, not only in the arguments.
    public var digest: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words {
            for shift in stride(from: 0, to: 64, by: 8) {
                hash = (hash ^ ((word >> UInt64(shift)) & 0xff)) &* 0x100_0000_01b3
            }
        }
        return hash
    }

    /// Lists the registers that differ, as "rip: 0x.. != 0x..", for divergence reports.
    public func differences(from other: Registers) -> [String] {
        zip(Self.names, zip(words, other.words)).compactMap { name, pair in
            pair.0 == pair.1 ? nil : "\(name) expected 0x\(String(pair.1, radix: 16)) got 0x\(String(pair.0, radix: 16))"
        }
    }
}
