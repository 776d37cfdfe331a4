/// RDRAND and RDSEED give a value the CPU makes up, which replay could not reproduce; without
/// CPUID faulting the program cannot be told the CPU lacks them. So each one found in a file
/// mapped executable is patched, in record and (from the recorded mmap's writes) in replay, into
/// a trap: `ud2` followed by the instruction's own prefixes and ModRM byte, in the same number
/// of bytes. At the SIGILL the supervisor reads the operand back from those bytes, gives the
/// register a value (recorded in an `InstructionTrapEvent`) and steps over the instruction.
///
/// Encoding: `[66] [REX] 0F C7 /6` (RDRAND) or `/7` (RDSEED) with a register operand (ModRM mod 3);
/// the patch moves `0F C7` out and puts `0F 0B` (ud2) in front.
public struct RandomInstruction: Equatable, Sendable {
    public let isSeed: Bool
    /// The destination, as x86 numbers registers (REX.B and ModRM.rm).
    public let register: Int
    /// The operand size in bytes: 2 (66 prefix), 8 (REX.W) or 4.
    public let width: Int
    public let length: Int
    /// The prefixes and the ModRM byte: what the patch keeps.
    private let operandBytes: [UInt8]

    static let opcode: [UInt8] = [0x0f, 0xc7]
    static let undefined: [UInt8] = [0x0f, 0x0b]
    static let operandSizePrefix: UInt8 = 0x66
    /// The longest encoding: 66, REX, 0F C7, ModRM.
    public static let maximumLength = 5

    /// Parses prefixes, then `opcode`, then ModRM: the original form, or what follows ud2 in the patched one.
    private init?(_ bytes: ArraySlice<UInt8>, opcode: [UInt8]) {
        var position = bytes.startIndex
        var operandSize = false, rex: UInt8 = 0
        if position < bytes.endIndex, bytes[position] == Self.operandSizePrefix { operandSize = true; position += 1 }
        if position < bytes.endIndex, bytes[position] & 0xf0 == 0x40 { rex = bytes[position]; position += 1 }
        let prefixes = Array(bytes[bytes.startIndex..<position])
        guard bytes.endIndex - position >= opcode.count + 1, Array(bytes[position..<position + opcode.count]) == opcode else { return nil }
        position += opcode.count
        let modrm = bytes[position]
        let reg = (modrm >> 3) & 7
        guard modrm >> 6 == 3, reg == 6 || reg == 7, !(operandSize && rex & 0x8 != 0) else { return nil }
        isSeed = reg == 7
        register = Int(modrm & 7) + (rex & 0x1 != 0 ? 8 : 0)
        width = rex & 0x8 != 0 ? 8 : operandSize ? 2 : 4
        length = prefixes.count + 2 + 1  // 0F C7 or, patched, the ud2 in its place
        operandBytes = prefixes + [modrm]
    }

    /// The instruction as compiled, at the start of `bytes`.
    public init?(original bytes: ArraySlice<UInt8>) { self.init(bytes, opcode: Self.opcode) }

    /// The instruction as patched, at the start of `bytes`.
    public init?(patched bytes: ArraySlice<UInt8>) {
        guard Array(bytes.prefix(2)) == Self.undefined else { return nil }
        self.init(bytes.dropFirst(2), opcode: [])
    }

    /// The trap that replaces the instruction, as long as it.
    public var patchedBytes: [UInt8] { Self.undefined + operandBytes }

    public var kind: InstructionTrapEvent.Kind { isSeed ? .rdseed : .rdrand }

    /// What the instruction does when it succeeds: the value in the register (a 32-bit write
    /// clears the upper half, a 16-bit one keeps it), CF set and OF, SF, ZF, AF, PF clear, and
    /// the next instruction.
    public func apply(value: UInt64, to registers: inout Registers) {
        let old = registers[encoded: register]
        switch width {
        case 8: registers[encoded: register] = value
        case 4: registers[encoded: register] = value & 0xffff_ffff
        default: registers[encoded: register] = (old & ~0xffff) | (value & 0xffff)
        }
        let carry: UInt64 = 1 << 0, cleared: UInt64 = 1 << 11 | 1 << 7 | 1 << 6 | 1 << 4 | 1 << 2
        registers.eflags = (registers.eflags & ~cleared) | carry
        registers.rip += UInt64(length)
    }
}
