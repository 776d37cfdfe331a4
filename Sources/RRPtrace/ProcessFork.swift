import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// Syscalls a stopped tracee runs on the tracer's behalf, from a `syscall` instruction written
/// over its code at `rip` for the moment; its bytes and registers are put back after. Signals
/// the kernel raises meanwhile (a SIGCHLD) are not the program's: they are suppressed.
public enum InjectedSyscall {
    static let syscallInstruction: [UInt8] = [0x0f, 0x05]

    /// Runs `number` with `arguments` in `tracee`, stopped in user code (not inside a syscall)
    /// at `registers`, and returns its result; `taskCreated` hears of a task the call creates
    /// (at its PTRACE_EVENT stop, with the new tid). The tracee is left at a syscall-exit-stop.
    public static func run(_ tracee: Tracee, at registers: Registers, _ number: SyscallNumber, _ arguments: [UInt64] = [],
                           taskCreated: ((Tid) throws -> Void)? = nil) throws -> Int64 {
        let site = registers.rip
        let original = try tracee.readMemory(at: site, count: syscallInstruction.count)
        try tracee.writeMemory(at: site, bytes: syscallInstruction)
        defer {
            try? tracee.writeMemory(at: site, bytes: original)
            try? tracee.setRegisters(registers)
        }
        var call = registers
        call.rax = UInt64(bitPattern: number.rawValue)
        call.origRax = UInt64(bitPattern: -1)
        // A debug register on this instruction (gdb's hbreak) would trap before the call.
        call.eflags |= UserPosition.resumeFlag
        call.syscallArguments = arguments + Array(repeating: 0, count: max(0, 6 - arguments.count))
        try tracee.setRegisters(call)
        var sawEntry = false
        while true {
            try tracee.resume(.toSyscall)
            let (_, stop) = try Stop.wait(for: tracee.tid)
            switch stop {
            case .syscall:
                if try tracee.isSyscallEntry() {
                    sawEntry = true
                } else if sawEntry {
                    return try tracee.registers().syscallResult
                } else {
                    // The tracee was inside a syscall (at an event stop) and has just left it,
                    // with its result in rax: the call goes in now.
                    try tracee.setRegisters(call)
                }
            case .taskCreated:
                try taskCreated?(Tid(Int32(truncatingIfNeeded: try tracee.eventMessage())))
            case .signal(let signal) where !signal.isSynchronousFault:
                continue
            default:
                throw RRError.system(call: "an injected \(number.name)", errno: 0, detail: "tid \(tracee.tid) stopped with \(stop)")
            }
        }
    }
}

/// A copy of a stopped single-threaded tracee made by the tracee itself (an injected `clone`
/// with fork's semantics and CLONE_PARENT, so that the copy is its parent's child, the
/// tracer's for a replayed program, and reaped by it rather than left a zombie of a process
/// that never waits). The copy is traced (PTRACE_O_TRACEFORK) and shares no writable memory
/// with the original (private mappings are copied on write): a replay checkpoint, or a replay
/// going on from one.
public enum ProcessFork {
    static let cloneParent: UInt64 = 0x8000
    static let childSignal = UInt64(SIGCHLD)

    /// The fork ran and failed (as a seccomp filter or a process limit can make it): the tracee
    /// is as it was.
    public struct Refused: Error {
        public let errno: Int32
    }

    /// Forks `tracee`, stopped in user code at `registers`; returns the copy, stopped at its
    /// first stop (a signal-delivery-stop whose SIGSTOP is suppressed when it resumes) with the
    /// same registers and code. The original is left at a syscall-exit-stop.
    public static func fork(_ tracee: Tracee, at registers: Registers) throws -> Tracee {
        var child: Tracee?
        do {
            let result = try InjectedSyscall.run(tracee, at: registers, .clone, [cloneParent | childSignal]) { tid in
                child = Tracee(tid: tid)
                let (_, first) = try Stop.wait(for: tid)
                guard first == .signal(.sigstop) else { throw RRError.system(call: "fork a checkpoint", errno: 0, detail: "the copy's first stop is \(first)") }
            }
            guard let copy = child, result > 0 else { throw Refused(errno: Int32(clamping: -result)) }
            // The copy was made with the syscall instruction in and the registers of the call.
            try copy.writeMemory(at: registers.rip, bytes: try tracee.readMemory(at: registers.rip, count: InjectedSyscall.syscallInstruction.count))
            try copy.setRegisters(registers)
            return copy
        } catch {
            if let child { discard(child) }
            throw error
        }
    }

    /// Kills and reaps a copy (bounded: its end may have been collected already).
    public static func discard(_ copy: Tracee) {
        copy.kill()
        while let (_, stop) = (try? Stop.wait(for: copy.tid, timeout: 1_000_000_000)) ?? nil {
            if case .exited = stop { break }
            if case .killed = stop { break }
            try? copy.resume(.toSignal)
        }
    }
}
