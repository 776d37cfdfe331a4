import RRCore

/// `rep movs` and `rep stos` of any operand size (glibc's memcpy and memset for large sizes).
/// An interrupt may stop one between two iterations, rip still on it and rcx, rsi and rdi
/// part-way. Its fast-string stores need not follow the registers: when it is interrupted,
/// stores of later iterations may already be done (Intel SDM vol. 1, 7.3.9.3), so the memory it
/// has yet to write is left out of a position's memory digest, in record and replay alike; the
/// rest of the instruction writes it anyway.
public enum RepeatedMove {
    /// The length of the instruction at the start of `code` if it is one; nil otherwise.
    /// Conditional ones (cmps, scas) may stop early: not these.
    public static func length(of code: [UInt8]) -> Int? {
        guard let (opcodeIndex, _) = decode(code) else { return nil }
        return opcodeIndex + 1
    }

    /// The memory the instruction at the start of `code` has yet to write, from `registers`,
    /// widened to whole pages, as (start, length); none when it is not a repeated move.
    public static func unsettledMemory(code: [UInt8], registers: Registers) -> [(UInt64, UInt64)] {
        guard let (_, size) = decode(code) else { return [] }
        let count = registers[encoded: 1], destination = registers[encoded: 7]
        guard count > 0, count < (1 << 40) else { return [] }
        let bytes = count &* size
        let directionFlag: UInt64 = 0x400
        let backward = registers.eflags & directionFlag != 0
        let low = backward ? destination &- bytes &+ size : destination
        let page: UInt64 = 4096
        let start = low & ~(page - 1)
        let end = (low &+ bytes &+ page - 1) & ~(page - 1)
        return [(start, end &- start)]
    }

    /// (index of the opcode, operand size) of a repeated move at the start of `code`.
    private static func decode(_ code: [UInt8]) -> (Int, UInt64)? {
        var index = 0, repeated = false, operandSize16 = false, wide = false
        while index < code.count, index < 4 {
            let byte = code[index]
            if byte == 0xf3 { repeated = true } else if byte == 0x66 { operandSize16 = true } else if byte & 0xf0 == 0x40 {
                wide = byte & 0x08 != 0
            } else { break }
            index += 1
        }
        guard repeated, index < code.count else { return nil }
        switch code[index] {
        case 0xa4, 0xaa: return (index, 1)
        case 0xa5, 0xab: return (index, wide ? 8 : operandSize16 ? 2 : 4)
        default: return nil
        }
    }
}
