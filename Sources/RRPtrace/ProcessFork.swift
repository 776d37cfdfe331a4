import RRCore

/// A copy of a stopped single-threaded tracee made by the tracee itself: it runs one `fork`
/// from a `syscall` instruction written over its code at `rip` for the moment. The copy is
/// traced (PTRACE_O_TRACEFORK), shares no writable memory with the original (private mappings
/// are copied on write), and both are left stopped with the original's registers and code: a
/// replay checkpoint, or a replay going on from one. Signals the kernel raises meanwhile (a
/// SIGCHLD) are not the program's: they are suppressed.
public enum ProcessFork {
    static let syscallInstruction: [UInt8] = [0x0f, 0x05]

    /// The fork ran and failed (as a seccomp filter or a process limit can make it): the tracee
    /// is as it was.
    public struct Refused: Error {
        public let errno: Int32
    }

    /// Forks `tracee`, stopped in user code (not inside a syscall) at `registers`; returns the
    /// copy, stopped at its first stop (a signal-delivery-stop whose SIGSTOP is suppressed when
    /// it resumes). The original is left at a syscall-exit-stop.
    public static func fork(_ tracee: Tracee, at registers: Registers) throws -> Tracee {
        let site = registers.rip
        let original = try tracee.readMemory(at: site, count: syscallInstruction.count)
        try tracee.writeMemory(at: site, bytes: syscallInstruction)
        var call = registers
        call.rax = UInt64(bitPattern: SyscallNumber.fork.rawValue)
        call.origRax = UInt64(bitPattern: -1)
        try tracee.setRegisters(call)
        var child: Tracee?
        defer {
            try? tracee.writeMemory(at: site, bytes: original)
            try? tracee.setRegisters(registers)
        }
        var exited = false
        var sawEntry = false
        while !exited {
            try tracee.resume(.toSyscall)
            let (_, stop) = try Stop.wait(for: tracee.tid)
            switch stop {
            case .syscall:
                // The first may be the exit of an exec the tracee was stopped after.
                if try tracee.isSyscallEntry() { sawEntry = true } else if sawEntry { exited = true }
            case .taskCreated:
                let tid = Tid(Int32(truncatingIfNeeded: try tracee.eventMessage()))
                let (_, first) = try Stop.wait(for: tid)
                guard first == .signal(.sigstop) else { throw RRError.system(call: "fork a checkpoint", errno: 0, detail: "the copy's first stop is \(first)") }
                child = Tracee(tid: tid)
            case .signal(let signal) where !signal.isSynchronousFault:
                continue
            default:
                throw RRError.system(call: "fork a checkpoint", errno: 0, detail: "tid \(tracee.tid) stopped with \(stop)")
            }
        }
        let result = try tracee.registers().syscallResult
        guard let child, result > 0 else { throw Refused(errno: Int32(clamping: -result)) }
        try child.writeMemory(at: site, bytes: original)
        try child.setRegisters(registers)
        return child
    }
}
