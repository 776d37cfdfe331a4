import RRCore

/// What one of the debug registers 0-3 is armed with: an execution breakpoint, or a data
/// watchpoint on 1, 2, 4 or 8 bytes aligned to their length (the CPU's sizes), which traps
/// right after the instruction that wrote (or read) them.
public enum DebugRegisterUse: Equatable {
    case execute(RemoteAddress)
    case watch(DataWatch)

    public struct DataWatch: Equatable {
        public enum Access: Equatable { case write, readOrWrite }
        public var address: UInt64
        public var length: Int
        public var access: Access
        public init(address: UInt64, length: Int, access: Access) {
            precondition([1, 2, 4, 8].contains(length) && address % UInt64(length) == 0)
            self.address = address
            self.length = length
            self.access = access
        }
    }

    /// DR7 for these registers: a local-enable bit (2N) for each, then 4 bits from 16 + 4N: the
    /// condition (00 execute, 01 write, 11 read or write) and the length (00 one byte, 01 two,
    /// 11 four, 10 eight; an execution breakpoint's is 00).
    static func control(_ registers: [DebugRegisterUse?]) -> UInt64 {
        var control: UInt64 = 0
        for (index, use) in registers.enumerated() {
            guard let use else { continue }
            control |= 1 << (2 * UInt64(index))
            guard case let .watch(watch) = use else { continue }
            let condition: UInt64 = watch.access == .write ? 0b01 : 0b11
            let length: UInt64 = [1: 0b00, 2: 0b01, 4: 0b11, 8: 0b10][watch.length]!
            control |= (condition | length << 2) << (16 + 4 * UInt64(index))
        }
        return control
    }

    /// Aligned pieces of 8, 4, 2 or 1 bytes that cover `length` bytes from `address` exactly.
    public static func alignedPieces(address: UInt64, length: Int) -> [(address: UInt64, length: Int)] {
        var pieces: [(address: UInt64, length: Int)] = []
        var next = address
        let end = address &+ UInt64(max(length, 0))
        while next < end {
            let size = [8, 4, 2, 1].first { next % UInt64($0) == 0 && next + UInt64($0) <= end }!
            pieces.append((next, size))
            next += UInt64(size)
        }
        return pieces
    }
}
