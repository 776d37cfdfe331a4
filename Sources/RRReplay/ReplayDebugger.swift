import RRCore
import RRGdb
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// The replay's side of a gdb session: decides, each time replay resumes a thread, whether it
/// runs on or single-steps, and, at each of its stops, whether the debugger must see it (a
/// breakpoint hit or the end of a step is taken out of the replay's way: replay resumes the
/// thread as if it had not stopped). What the debugger sees of the program is `ReplayTarget`.
public final class ReplayDebugger {
    let session: GdbSession
    let target: ReplayTarget
    static let syscallInstruction: [UInt8] = [0x0f, 0x05]
    static let pushf: UInt8 = 0x9c
    /// EFLAGS.TF is bit 8: bit 0 of the word's second byte.
    static let trapFlagInSecondByte: UInt8 = 0x01
    /// si_code of a SIGTRAP: SI_KERNEL for int3, TRAP_TRACE for a single step, TRAP_HWBKPT for a debug register.
    /// TRAP_BRKPT is what the kernel says for a debug exception whose status register names no cause.
    static let kernelTrap: Int32 = 0x80, breakpointTrap: Int32 = 1, hardwareTrap: Int32 = 4
    static let siginfoCodeOffset = 8

    /// What a thread asked to step is doing.
    enum StepState: Equatable {
        /// The debugger asked for a step: the next resume single-steps.
        case asked
        /// Resumed with a single step: its next stop ends it. A stepped `pushf` pushes the trap
        /// flag of the step itself, which the program's `popf` would turn on again later.
        case inFlight(pushesFlags: Bool)
        /// The step ran through a syscall that replay performs: the debugger hears of it before
        /// the next event, once the syscall's events are replayed.
        case toReport
    }
    var steps: [Tid: StepState] = [:]

    /// Whether the recording can be replayed again from its start (not when it came on stdin).
    public var canRestart = false
    /// Where the debugger was last shown a stop: where going back starts from.
    var moment = ReplayMoment.start
    /// What the replay under way is looking for (ReverseExecution.swift); nil: nothing.
    var goal: SeekGoal?
    /// The replay under way is one started again to go back: it echoes no output until its goal.
    var replayingAgain = false
    /// The breakpoint and watchpoint hits a silent replay has noted, in order.
    var hits: [DebuggerHit] = []
    /// The hits in the event being replayed, and the stops claimed so far (the last hit's among them).
    var hitsInEvent = 0, stops = 0, lastHitStop = 0
    /// The thread whose single steps a silent replay counts in the event being replayed.
    var stepping: (thread: Tid, count: Int)?
    /// A software breakpoint a silent replay steps over (its original byte is in for one instruction).
    var steppingOver: (thread: Tid, address: UInt64)?
    /// The silent replay's step runs a `pushf` (see `StepState.inFlight`).
    var seekStepPushesFlags = false
    /// The last event each thread drove, in the replay under way: a step back from the start of
    /// an event goes into the thread's previous one.
    var lastEventOf: [Tid: UInt64] = [:]

    /// The debugger's changes under way (Diversion.swift); nil: the program is as recorded.
    var diversion: Diversion?

    /// The checkpoints of this session's replays, by event (Checkpoints.swift, CheckpointChoice.swift).
    var checkpoints: [ReplayCheckpoint] = []
    /// Where the next replay starts: nil, the recording's start.
    var resumeFrom: ReplayCheckpoint?
    /// The event the replay under way started from (0: the start), and when replay last passed
    /// a checkpoint (or started), in seconds of the monotonic clock.
    var replayOrigin: UInt64 = 0, lastCheckpointTime = 0.0
    /// The code breakpoints (addresses) in place at every resume since the last checkpoint was
    /// taken or gone on from, and those hit since (CheckpointChoice.swift).
    var armedSinceCheckpoint: Set<UInt64> = [], hitSinceCheckpoint: Set<UInt64> = []
    /// The points the debugger's user named (UserCheckpoints.swift), by number from 1.
    var userCheckpoints: [Int: UserCheckpoint] = [:]
    var nextUserCheckpoint = 1

    public init(channel: PacketChannel) {
        target = ReplayTarget()
        session = GdbSession(channel: channel, target: target)
        target.beginsDiversion = { [unowned self] in self.beginDiversion() }
        target.isDiverted = { [unowned self] in self.diversion != nil }
        target.checkpointCommand = { [unowned self] in self.checkpointCommand($0) }
    }

    /// The debugger ended the replay: it detached or killed the program.
    public struct Ended: Error {
        public let detached: Bool
    }

    // MARK: hooks called by the replayer

    func started(_ task: ReplayTask) throws {
        insertSoftwareBreakpointsIfDue()
        switch goal {
        case .start?, .rerun?:
            // Going back to the start says so; a new run (gdb's `run`) is a plain stop.
            var reason = GdbSession.StopReason.historyStart
            if case .rerun? = goal { reason = .signal(GdbSession.sigtrap) }
            guard target.debuggedProcess != nil else {
                try show(reason, of: task.recordedTid, at: .start)
                return
            }
            // Another process's history starts where the session first showed it.
            goal = .stopAfterSteps(target.debuggedSince, thread: target.processLeader, steps: 0, reason: reason)
        default: break
        }
        if case let .resumeAfterDiversion(.start, action, thread)? = goal {
            try resumeHere(.start, action, thread: thread)
            return
        }
        if isSeeking || target.debuggedProcess != nil { return }
        moment = .start
        try obey(try session.stopped(.stopped(thread: task.recordedTid.rawValue, .signal(GdbSession.sigtrap))))
    }

    /// How to resume `task` (which replay is about to resume to its next stop).
    func resumeMode(for task: ReplayTask) throws -> Tracee.Resume {
        armedSinceCheckpoint.formIntersection(codeBreakpoints)
        if isSeeking { return try seekingResumeMode(for: task) }
        try armHardwareBreakpoints(on: task)
        guard steps[task.recordedTid] == .asked else { return .toSyscall }
        switch task.position {
        case .atSyscallEntry, .inSyscall, .exiting:
            steps[task.recordedTid] = .toReport
            return .toSyscall
        default: break
        }
        let rip = try task.tracee.registers().rip
        if (try? task.tracee.readMemory(at: rip, count: 2)) == Self.syscallInstruction {
            // A single step would run the syscall for real: replay must see its entry.
            steps[task.recordedTid] = .toReport
            return .toSyscall
        }
        let pushesFlags = (try? task.tracee.readMemory(at: rip, count: 1)) == [Self.pushf]
        steps[task.recordedTid] = .inFlight(pushesFlags: pushesFlags)
        return .singleStep
    }

    /// Whether `stop` of `task` was the debugger's (a breakpoint hit or the end of a step), in
    /// which case the debugger has been told and replay resumes the task as if it had not stopped.
    func claims(_ stop: Stop, of task: ReplayTask) throws -> Bool {
        if isSeeking { return try seekingClaims(stop, of: task) }
        let tid = task.recordedTid
        var stepping = false
        if case let .inFlight(pushesFlags) = steps[tid] {
            stepping = true
            steps[tid] = .toReport
            if pushesFlags { try clearPushedTrapFlag(task) }
        }
        guard stop == .signal(.sigtrap) else { return false }
        // The kernel says which trap it was: a single step and an int3 just behind the pc look alike.
        let code = try Self.trapCode(of: task)
        var registers = try task.tracee.registers()
        let reason: GdbSession.StopReason
        if code == Self.hardwareTrap, let watchpoint = try triggeredWatchpoint(of: task) {
            reason = .watchpoint(watchpoint.kind, address: watchpoint.address)
        } else if code == Self.kernelTrap, target.softwareBreakpoints[registers.rip &- 1] != nil {
            registers.rip -= 1
            try task.tracee.setRegisters(registers)
            reason = .softwareBreakpoint
        } else if code == Self.hardwareTrap || code == Self.breakpointTrap, target.hardwareBreakpoints.contains(registers.rip) {
            reason = .hardwareBreakpoint
        } else if stepping, code > 0, code != Self.kernelTrap {
            // TRAP_TRACE as a rule; but a debug exception whose status register lacks the
            // single-step bit (which a hypervisor may lose) gives TRAP_BRKPT, and once in CI, under
            // load, a step's SIGTRAP went unclaimed. The thread was stepped, so any trap that is
            // not an int3 (SI_KERNEL) nor sent by a process (code <= 0) is the step's end.
            reason = .signal(GdbSession.sigtrap)
        } else {
            return false
        }
        steps[tid] = nil
        if reason == .softwareBreakpoint || reason == .hardwareBreakpoint { hitSinceCheckpoint.insert(registers.rip) }
        moment = .userCode(events, thread: tid, nil)
        try obey(try session.stopped(.stopped(thread: tid.rawValue, reason)))
        return true
    }

    /// Replay has just written a syscall's recorded output into `task`'s memory (at its exit
    /// stop): a watchpoint on writes or accesses to those bytes stops there, right after the
    /// syscall instruction, as the kernel's own write would have been seen to.
    func syscallWrote(_ ranges: [(address: UInt64, length: Int)], on task: ReplayTask) throws {
        let touched = target.watchpoints.first { watchpoint in
            watchpoint.kind != .readWatchpoint && ranges.contains { range in
                range.length > 0 && range.address < watchpoint.address &+ UInt64(watchpoint.length)
                    && watchpoint.address < range.address &+ UInt64(range.length)
            }
        }
        guard let touched else { return }
        if isSeeking { return try seekingSyscallWrote(touched, on: task) }
        steps[task.recordedTid] = nil
        moment = .syscallExit(events, thread: task.recordedTid)
        try obey(try session.stopped(.stopped(thread: task.recordedTid.rawValue, .watchpoint(touched.kind, address: touched.address))))
    }

    /// `task` is stopped at the instruction whose fault the recording delivers next (a
    /// SIGSEGV, say): the debugger sees it there, before the signal goes in.
    /// Replay is about to go on with event `index`: a step that ran through a syscall ends
    /// here, where that syscall's events are behind.
    func reportStepThroughSyscall(before index: UInt64) throws {
        guard let tid = steps.first(where: { $0.value == .toReport })?.key else { return }
        steps[tid] = nil
        moment = .beforeEvent(index, thread: tid)
        try obey(try session.stopped(.stopped(thread: tid.rawValue, .signal(GdbSession.sigtrap))))
    }

    func faulted(_ signal: SignalNumber, on task: ReplayTask, fatal: Bool) throws {
        // The fault that ends the main process is where `replay -e` stops.
        if case .end? = goal, fatal, target.task(task.recordedTid.rawValue) != nil { goal = nil }
        if isSeeking { return }
        steps[task.recordedTid] = nil
        moment = .userCode(events, thread: task.recordedTid, nil)
        try obey(try session.stopped(.stopped(thread: task.recordedTid.rawValue, .signal(signal.rawValue))))
    }

    /// `task` is at the delivery of a signal that is not a fault (another process's kill, a
    /// timer, raise): the debugger sees it there, as gdb expects "Program received signal",
    /// unless it asked for the signal to go in unseen (QPassSignals: SIGALRM, SIGCHLD and the
    /// like by default). Whatever gdb then resumes with, the recorded signal is delivered.
    func signalArrives(_ signal: SignalNumber, on task: ReplayTask) throws {
        guard !isSeeking, target.task(task.recordedTid.rawValue) != nil, !session.passedSignals.contains(signal.rawValue) else { return }
        steps[task.recordedTid] = nil
        moment = .userCode(events, thread: task.recordedTid, nil)
        try obey(try session.stopped(.stopped(thread: task.recordedTid.rawValue, .signal(signal.rawValue))))
    }

    /// The recording is replayed to its end.
    func finished(shellStatus: Int32) throws {
        if case let .stopBeforeEvent(event)? = goal {
            reportError(tool: "rr-replayer", "event \(event) is beyond the end of the recording (\(events) events): the session starts at the end")
        }
        goal = nil
        do {
            if case let .restart(place) = try session.stopped(.exited(shellStatus: shellStatus)) {
                // gdb's `run` after the end (extended mode): the recording from its start, or a checkpoint.
                goal = restartGoal(place)
                throw replayAgain()
            }
        } catch GdbProtocolError.disconnected {
            // gdb closes the connection once it has heard of the end.
        }
    }

    /// The si_code of the SIGTRAP `task` is stopped with (0 if the kernel gave no siginfo).
    static func trapCode(of task: ReplayTask) throws -> Int32 {
        let siginfo = try task.tracee.siginfo()
        return siginfo.count >= siginfoCodeOffset + 4 ? siginfo.loadLittleEndian(Int32.self, at: siginfoCodeOffset) : 0
    }

    /// The flags word a stepped `pushf` left on the stack loses the trap flag, which the program did not set.
    func clearPushedTrapFlag(_ task: ReplayTask) throws {
        let rsp = try task.tracee.registers().rsp
        var word = try task.tracee.readMemory(at: rsp, count: 8)
        guard word[1] & Self.trapFlagInSecondByte != 0 else { return }
        word[1] &= ~Self.trapFlagInSecondByte
        try task.tracee.writeMemory(at: rsp, bytes: word)
    }

    func obey(_ command: GdbSession.Command) throws {
        switch command {
        case let .resume(action, thread) where action == .reverseContinue || action == .reverseStep:
            steps = [:]
            if let diversion {
                // Going back leaves the diversion: from where it began.
                moment = diversion.moment
                self.diversion = nil
            }
            guard canRestart else {
                // Going back replays the recording again, which a trace read from stdin cannot.
                reportError(tool: "rr-replayer", "cannot run backwards: the trace came on stdin (replay a file)")
                try obey(try session.stopped(.stopped(thread: thread, .signal(GdbSession.sigtrap))))
                return
            }
            try goBack(action, thread: Tid(thread))
        case let .resume(action, thread):
            if let diversion { try resumeInDiversion(diversion, action, thread: thread) }
            // A new command supersedes any step not yet reported.
            steps = [:]
            if action == .step { steps[Tid(thread)] = .asked }
        case .detach: throw Ended(detached: true)
        case .kill: throw Ended(detached: false)
        case let .restart(place):
            // gdb's `run`: the recording from its start, the output echoed again (or, silently,
            // to a checkpoint or event the argument names).
            guard canRestart else {
                reportError(tool: "rr-replayer", "cannot run the recording again: the trace came on stdin (replay a file)")
                throw Ended(detached: false)
            }
            steps = [:]
            diversion = nil
            goal = restartGoal(place)
            throw replayAgain()
        }
    }

    func armHardwareBreakpoints(on task: ReplayTask) throws {
        let uses = target.debugRegisterUses
        for (index, slot) in ReplayTarget.hardwareSlots.enumerated() {
            let wanted = index < uses.count ? uses[index].use : nil
            if task.tracee.debugRegisters[slot] != wanted { try task.tracee.setDebugRegister(slot: slot, wanted) }
        }
    }

    /// The watchpoint whose debug register the status register names (a data watchpoint traps
    /// after the instruction, so the pc says nothing), clearing the status for the next hit.
    func triggeredWatchpoint(of task: ReplayTask) throws -> ReplayTarget.Watchpoint? {
        let status = try task.tracee.debugStatus()
        let uses = target.debugRegisterUses
        for (index, slot) in ReplayTarget.hardwareSlots.enumerated() where index < uses.count && status & (1 << UInt64(slot)) != 0 {
            guard case .watch = uses[index].use, task.tracee.debugRegisters[slot] == uses[index].use else { continue }
            try task.tracee.clearDebugStatus()
            return uses[index].watchpoint
        }
        return nil
    }
}
