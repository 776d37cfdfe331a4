import CRRShims
import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// What naming and finding a point in user code needs from ptrace: the debug registers (an execution breakpoint, which an ordinary user may
/// set on their own tracee), the extended register state and the thread's user CPU time.
extension Tracee {
    private static let peekUser: Int32 = 3  // PTRACE_PEEKUSER
    private static let pokeUser: Int32 = 6  // PTRACE_POKEUSER
    private static let getRegisterSet: Int32 = 0x4204  // PTRACE_GETREGSET
    private static let setRegisterSet: Int32 = 0x4205  // PTRACE_SETREGSET
    private static let extendedStateNote: UInt64 = 0x202  // NT_X86_XSTATE
    /// offsetof(struct user, u_debugreg) on x86-64.
    private static let debugRegisterOffset: UInt64 = 848

    private func setDebugRegister(_ index: UInt64, _ value: UInt64) throws {
        _ = try Self.check(rr_shim_ptrace(Self.pokeUser, tid.rawValue, Self.debugRegisterOffset + index * 8, value),
                           "PTRACE_POKEUSER of dr\(index)", tid)
    }

    /// Arms debug register 0 as an execution breakpoint at `address` (nil disarms it): the
    /// thread then stops with SIGTRAP before it executes that instruction. Replay's search for
    /// recorded points owns register 0; the debugger's hardware breakpoints use 1-3.
    public func setExecutionBreakpoint(at address: RemoteAddress?) throws {
        try setExecutionBreakpoint(slot: 0, at: address)
    }

    /// The debug registers that execution breakpoints can use.
    public static let executionBreakpointSlots = 4

    /// Arms (or, with nil, disarms) debug register `slot` as an execution breakpoint, leaving
    /// the other registers as they are.
    public func setExecutionBreakpoint(slot: Int, at address: RemoteAddress?) throws {
        try setDebugRegister(slot: slot, address.map { .execute($0) })
    }

    /// Arms (or, with nil, disarms) debug register `slot`, leaving the other registers as they
    /// are, and clears the status register.
    public func setDebugRegister(slot: Int, _ use: DebugRegisterUse?) throws {
        precondition(slot >= 0 && slot < Self.executionBreakpointSlots)
        switch use {
        case let .execute(address)?: try setDebugRegister(UInt64(slot), address)
        case let .watch(watch)?: try setDebugRegister(UInt64(slot), watch.address)
        case nil: break
        }
        debugRegisters[slot] = use
        try setDebugRegister(7, DebugRegisterUse.control(debugRegisters))
        try setDebugRegister(6, 0)
    }

    /// The debug status register (DR6): bit N set when register N's condition was met.
    public func debugStatus() throws -> UInt64 {
        UInt64(bitPattern: Int64(try Self.check(rr_shim_ptrace(Self.peekUser, tid.rawValue, Self.debugRegisterOffset + 6 * 8, 0),
                                                "PTRACE_PEEKUSER of dr6", tid)))
    }

    public func clearDebugStatus() throws { try setDebugRegister(6, 0) }

    /// The XSAVE image of the thread's x87, SSE, AVX and AVX-512 state, as ptrace gives it.
    public func extendedState() throws -> [UInt8] {
        try registerSet(Self.extendedStateNote, maximumLength: 16384)
    }

    /// One register set (an ELF note type: NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE) as
    /// PTRACE_GETREGSET gives it, at most `maximumLength` bytes of it.
    public func registerSet(_ note: UInt64, maximumLength: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: maximumLength)
        let length = try bytes.withUnsafeMutableBytes { buffer -> Int in
            var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            _ = try withUnsafeMutablePointer(to: &vector) { pointer in
                try Self.check(rr_shim_ptrace(Self.getRegisterSet, tid.rawValue, note,
                                              UInt64(UInt(bitPattern: pointer))), "PTRACE_GETREGSET(\(note))", tid)
            }
            return vector.iov_len
        }
        return Array(bytes.prefix(length))
    }

    /// Gives the thread register set `note` (PTRACE_SETREGSET): a debugger's write of an x87
    /// or SSE register goes into NT_PRFPREG, the FXSAVE image.
    public func setRegisterSet(_ note: UInt64, bytes: [UInt8]) throws {
        var copy = bytes
        try copy.withUnsafeMutableBytes { buffer in
            var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            _ = try withUnsafeMutablePointer(to: &vector) { pointer in
                try Self.check(rr_shim_ptrace(Self.setRegisterSet, tid.rawValue, note,
                                              UInt64(UInt(bitPattern: pointer))), "PTRACE_SETREGSET(\(note))", tid)
            }
        }
    }

    /// Where the XSAVE header starts: XSTATE_BV, then XCOMP_BV, 64 bytes in all.
    static let xsaveHeader = 512..<576

    /// The digest of the extended state that positions compare: the register values without the
    /// XSAVE header. Its XSTATE_BV says which components the CPU tracks as in use, and that
    /// depends on the context switches the thread happened to have (a restore of a component
    /// saved in its initial state marks it unused), not on the program; ptrace fills an unused
    /// component with its initial values, so the values alone say the same thing.
    public func extendedStateDigest() throws -> UInt64 {
        var state = try extendedState()
        if state.count >= Self.xsaveHeader.upperBound {
            state.replaceSubrange(Self.xsaveHeader, with: repeatElement(0, count: Self.xsaveHeader.count))
        }
        return MemoryDigest.of(state)
    }

    /// The thread's user CPU time in nanoseconds (clock ticks from /proc/TID/stat).
    public func userTime() throws -> UInt64 {
        let text = String(decoding: try ProcFiles.read("/proc/\(tid)/stat"), as: UTF8.self)
        // The command name may hold spaces and parentheses: fields count from the last ")".
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let ticks = UInt64(fields[11]) else { return 0 }
        return ticks * (1_000_000_000 / UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1)))
    }
}
