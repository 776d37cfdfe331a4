import RRCore
import RRGdb
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// A change the debugger makes to the replayed program (a register or memory write, a
/// function it calls: `print f(x)`) starts a diversion: from then on the thread runs freely
/// where the debugger sends it, syscalls performed for real, with nothing compared with the
/// recording. Once the debugger has put the registers back as they were and resumes, the
/// diversion is thrown away: the recording is replayed again to the point where it began
/// (ReverseExecution.swift), and the resume goes on from there, as if nothing had been changed.
struct Diversion {
    /// Where the diversion began.
    let moment: ReplayMoment
    /// Each thread's registers as the debugger saw them there.
    let registers: [Int32: [[UInt8]]]
}

extension ReplayDebugger {
    /// The debugger is about to write a register or memory: a diversion begins unless one is
    /// under way. Not with a trace read from stdin, which cannot be replayed again to undo it.
    func beginDiversion() -> Bool {
        if diversion != nil { return true }
        guard canRestart, let moment = try? namedMoment() else { return false }
        var registers: [Int32: [[UInt8]]] = [:]
        for thread in target.threads { registers[thread] = try? target.registerValues(of: thread) }
        diversion = Diversion(moment: moment, registers: registers)
        return true
    }

    /// A resume while a diversion is under way: the diversion ends if the debugger has put every
    /// register back (the replay goes again to where it began, then resumes as asked); otherwise
    /// the thread runs on in the diversion.
    func resumeInDiversion(_ diversion: Diversion, _ action: ResumeAction, thread: Int32) throws -> Never {
        let restored = target.threads.allSatisfy { (try? target.registerValues(of: $0)) == diversion.registers[$0] }
        if restored {
            self.diversion = nil
            goal = .resumeAfterDiversion(diversion.moment, action, thread: thread)
            throw replayAgain()
        }
        guard let task = target.task(thread) else {
            // The thread is gone: back to where the diversion began, stopped there.
            self.diversion = nil
            goal = .resumeAfterDiversion(diversion.moment, nil, thread: thread)
            throw replayAgain()
        }
        while true {
            try task.tracee.resume(action == .step ? .singleStep : .toSignal)
            let (_, stop) = try Stop.wait(for: task.tracee.tid)
            let reason: GdbSession.StopReason
            switch stop {
            case .signal(.sigtrap):
                var registers = try task.tracee.registers()
                let code = try Self.trapCode(of: task)
                if code == Self.kernelTrap, target.softwareBreakpoints[registers.rip &- 1] != nil {
                    registers.rip -= 1
                    try task.tracee.setRegisters(registers)
                    reason = .softwareBreakpoint
                } else {
                    reason = .signal(GdbSession.sigtrap)
                }
            case .signal(let signal):
                reason = .signal(signal.rawValue)  // not delivered: the debugger hears of it
            case .exited, .killed:
                reportError(tool: "rr-replayer", "the program ended in a function the debugger called: back to where the call began")
                self.diversion = nil
                goal = .resumeAfterDiversion(diversion.moment, nil, thread: thread)
                throw replayAgain()
            default:
                continue  // a syscall stop: the syscall runs for real
            }
            try obey(try session.stopped(.stopped(thread: thread, reason)))
            // obey ends the diversion or runs it again (and never comes back here).
        }
    }

    /// The replay has come back to where a diversion began: the debugger's resume goes on from
    /// there (nil: it is told of a stop there).
    func resumeHere(_ moment: ReplayMoment, _ action: ResumeAction?, thread: Int32) throws {
        goal = nil
        replayingAgain = false
        guard let action else {
            try show(.signal(GdbSession.sigtrap), of: Tid(thread), at: moment)
            return
        }
        self.moment = moment
        try obey(.resume(action, thread: thread))
    }
}
