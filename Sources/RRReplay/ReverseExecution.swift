import RRCore
import RRGdb
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// Running a replay backwards, by running it forwards again: a replay of the same recording
/// goes through the same states, so a point can be named by what identifies it in a fresh
/// replay, and reached there. `reverse-continue` replays from the start with the debugger's
/// breakpoints and watchpoints armed, silently (no output, no stops shown), noting every hit up
/// to the current point; then it replays once more and stops at the last one. A watchpoint hit
/// is shown before the instruction that wrote (as gdb expects when going backwards), which a
/// third replay finds by single-stepping the event that contains it. `reverse-stepi` single-steps
/// the current point's event to count the instructions up to it, then replays to one fewer.
/// Each of these replays starts from the latest checkpoint before the events it needs
/// (CheckpointChoice.swift), or from the recording's start.

/// A point of a replay where the debugger was shown a stop.
enum ReplayMoment {
    /// The first instruction of the recorded program.
    case start
    /// Replay was about to go on with this event (a step through a syscall ends there).
    case beforeEvent(UInt64, thread: Tid)
    /// At the exit of this event's syscall, whose recorded output replay had just written.
    case syscallExit(UInt64, thread: Tid)
    /// In the thread's user code while this event was replayed: the first point after the
    /// event began where the thread's registers, extended state and memory are these (nil until
    /// the debugger asks to go back: computing them is a memory digest).
    case userCode(UInt64, thread: Tid, UserPosition?)
}

/// The `ordinal`th hit (from 1) of a breakpoint or watchpoint while `event` was replayed.
struct DebuggerHit {
    let event: UInt64
    let ordinal: Int
    let thread: Tid
    let reason: GdbSession.StopReason
    /// Seen in a traced syscall's recorded output (`ReplayDebugger.syscallWrote`), not in user code.
    let bySyscall: Bool
}

/// What a silent replay is for. While one is under way the debugger is shown nothing.
enum SeekGoal {
    /// Note the hits up to this point; then go back to the last of them.
    case collectHits(before: ReplayMoment)
    /// Show this hit (a breakpoint's: the thread has not run the instruction yet).
    case stopAtHit(DebuggerHit)
    /// Count the thread's single steps in the hit's event up to this watchpoint hit.
    case countStepsToHit(DebuggerHit)
    /// Count the thread's single steps in the event up to this position.
    case countStepsToPosition(UInt64, thread: Tid, UserPosition)
    /// Count the thread's single steps to the end of the event.
    case countStepsInEvent(UInt64, thread: Tid)
    /// Show the point `steps` single steps of the thread into the event.
    case stopAfterSteps(UInt64, thread: Tid, steps: Int, reason: GdbSession.StopReason)
    /// Show the first instruction, as the start of the history.
    case start
    /// Show the first instruction as a fresh start (gdb's `run`).
    case rerun
    /// Show the point before this event is replayed (`replay -g N`).
    case stopBeforeEvent(UInt64)
    /// Show the last point before the debugged process ends: before its main thread's exit, or
    /// at the fault that kills it (`replay -e`).
    case end
    /// Debug another process than the main one (`replay -p`): one with this recorded pid, from
    /// its creation, or the first to exec a program of this name, from its exec.
    case process(pid: Tid?, command: String?)
    /// Show the debugged process at its first instruction after the exec just replayed.
    case afterExec(Tid)
    /// Back where a diversion began (Diversion.swift): go on as the debugger asked then (nil:
    /// show a stop there).
    case resumeAfterDiversion(ReplayMoment, ResumeAction?, thread: Int32)
}

extension ReplayDebugger {
    /// Thrown to end the replay under way: the replayer starts the recording's replay again,
    /// with this debugger attached, and the debugger's `goal` says where to stop.
    public struct Restart: Error {}

    /// The most single steps of one event a backwards step or watchpoint searches (about 40
    /// seconds of them); beyond, the search stops where it is and says so.
    static let mostSteps = 2_000_000

    var isSeeking: Bool { goal != nil }

    /// Ends this replay for another from the start, which echoes no output until its point is
    /// shown: the output was shown the first time. (A session started at an event or at the end
    /// echoes the output on the way there.)
    func replayAgain() -> Restart {
        replayingAgain = true
        lastEventOf = [:]
        resumeFrom = goal.flatMap(checkpoint(for:))
        replayOrigin = resumeFrom?.event ?? 0
        lastCheckpointTime = Self.monotonicSeconds()
        armedSinceCheckpoint = codeBreakpoints
        hitSinceCheckpoint = []
        return Restart()
    }

    // MARK: the debugger's reverse commands

    /// Starts going back from the current point: ends this replay (`Restart`).
    func goBack(_ action: ResumeAction, thread: Tid) throws -> Never {
        let moment = try namedMoment()
        switch action {
        case .reverseContinue:
            hits = []
            // Nothing is before the first instruction.
            if case .start = moment { goal = .start } else { goal = .collectHits(before: moment) }
        default:
            switch moment {
            case .start: goal = .start
            case let .userCode(event, thread, position?): goal = .countStepsToPosition(event, thread: thread, position)
            case let .syscallExit(event, thread): goal = .countStepsInEvent(event, thread: thread)
            case let .beforeEvent(_, thread):
                // The instruction before is the thread's last in the event it drove before.
                goal = lastEventOf[thread].map { .countStepsInEvent($0, thread: thread) } ?? .start
            case .userCode: goal = .start
            }
        }
        throw replayAgain()
    }

    /// The current point, with its user-code position computed.
    func namedMoment() throws -> ReplayMoment {
        guard case let .userCode(event, tid, nil) = moment else { return moment }
        guard let task = target.replayer.tasks[tid] else { return .beforeEvent(event, thread: tid) }
        return .userCode(event, thread: tid, try target.replayer.currentPosition(of: task))
    }

    /// Shows a stop to the debugger at the end of a search (or at any stop when none is under way).
    func show(_ reason: GdbSession.StopReason, of tid: Tid, at moment: ReplayMoment) throws {
        goal = nil
        stepping = nil
        replayingAgain = false
        self.moment = moment
        try obey(try session.stopped(.stopped(thread: tid.rawValue, reason)))
    }

    // MARK: hooks of a silent replay

    /// The debugger's software breakpoints go into the replayed process again, where they are
    /// not: at its first instruction, and at each event of a silent replay, since a library's
    /// code appears only once the dynamic loader has mapped it (the debugger inserted them in
    /// the first replay once it was there; code of a later exec is not covered).
    func insertSoftwareBreakpointsIfDue() {
        // Only in the debugged process, once it runs the program they are for.
        guard events >= target.debuggedSince, let task = target.replayer.tasks[target.processLeader] else { return }
        for address in target.softwareBreakpoints.keys where steppingOver?.address != address {
            guard let byte = try? task.tracee.readMemory(at: address, count: 1), byte != [ReplayTarget.int3] else { continue }
            _ = try? task.tracee.writeMemory(at: address, bytes: [ReplayTarget.int3])
        }
    }

    /// Where the session starts, when not at the first instruction: before event `event`, or
    /// (nil) at the end of the main process.
    public func start(before event: UInt64?) {
        goal = event.map { .stopBeforeEvent($0) } ?? .end
    }

    /// The session is about another process than the main one: `choice` is its recorded pid
    /// (from its creation) or its program's name (from its exec).
    public func debugProcess(_ choice: String) {
        if let pid = Int32(choice), pid > 0 {
            goal = .process(pid: Tid(pid), command: nil)
        } else {
            goal = .process(pid: nil, command: choice)
        }
    }

    /// Replay is about to replay `event`, number `index`, on `task`.
    func willReplay(_ index: UInt64, _ event: TraceEvent, on task: ReplayTask) throws {
        defer { lastEventOf[task.recordedTid] = index }
        try takeCheckpointIfDue(before: index)
        guard let goal else {
            try reportStepThroughSyscall(before: index)
            return
        }
        insertSoftwareBreakpointsIfDue()
        if index == 1 || stepping != nil {
            target.replayer.debug("going back: event \(index), \("\(goal)".prefix { $0 != "(" }), steps \(stepping?.count ?? -1)")
        }
        hitsInEvent = 0
        let finishedSteps = stepping
        stepping = nil
        switch goal {
        case let .collectHits(before: moment):
            switch moment {
            case let .beforeEvent(event, _) where event == index:
                try backToLastHit(excludingSyscallHitsOf: nil)
            case let .syscallExit(event, _) where event + 1 == index:
                try backToLastHit(excludingSyscallHitsOf: event)
            case let .userCode(event, tid, position?) where event == index:
                let stopsBefore = stops
                if let runner = target.replayer.tasks[tid] {
                    do {
                        try target.replayer.reach(position, on: runner, describe: "the debugger's point at 0x\(String(position.registers.rip, radix: 16))")
                    } catch let error as RRError {
                        reportError(tool: "rr-replayer", "going back: \(error); the hits before event \(index) are used")
                    }
                }
                // A hardware breakpoint where the point is fires with the search's own: that hit is the point.
                if let last = hits.last, last.event == index, stops > stopsBefore, lastHitStop == stops { hits.removeLast() }
                try backToLastHit(excludingSyscallHitsOf: nil)
            default:
                try giveUpIfPassed(moment.event, index: index, task: task)
            }
        case let .stopAtHit(hit):
            try giveUpIfPassed(hit.event, index: index, task: task)
        case let .countStepsToHit(hit):
            if hit.event == index { stepping = (hit.thread, 0) } else { try giveUpIfPassed(hit.event, index: index, task: task) }
        case let .countStepsToPosition(event, tid, position):
            if event == index {
                if let runner = target.replayer.tasks[tid], try target.replayer.isAt(position, runner) {
                    // Already there when the event began: the instruction before is in an earlier event.
                    try show(.signal(GdbSession.sigtrap), of: tid, at: .userCode(event, thread: tid, position))
                    return
                }
                stepping = (tid, 0)
            } else {
                try giveUpIfPassed(event, index: index, task: task)
            }
        case let .countStepsInEvent(event, tid):
            if event == index {
                stepping = (tid, 0)
            } else if event + 1 == index {
                self.goal = .stopAfterSteps(event, thread: tid, steps: finishedSteps?.count ?? 0, reason: .signal(GdbSession.sigtrap))
                throw replayAgain()
            } else {
                try giveUpIfPassed(event, index: index, task: task)
            }
        case let .stopAfterSteps(event, tid, steps, reason):
            if event == index {
                if steps == 0 {
                    try show(reason, of: tid, at: .beforeEvent(index, thread: tid))
                    return
                }
                stepping = (tid, 0)
            } else {
                try giveUpIfPassed(event, index: index, task: task)
            }
        case .start, .rerun:
            break
        case let .stopBeforeEvent(wanted) where wanted == index:
            // Shown on the event's thread when the debugger sees it (the main process's).
            let tid = target.task(task.recordedTid.rawValue) != nil ? task.recordedTid : target.replayer.mainTid
            try show(.signal(GdbSession.sigtrap), of: tid, at: .beforeEvent(index, thread: tid))
        case .end:
            if case let .exit(exit) = event, exit.tid == target.processLeader {
                try show(.signal(GdbSession.sigtrap), of: exit.tid, at: .beforeEvent(index, thread: exit.tid))
            }
        case let .process(pid, command):
            if let pid, event.tid == pid {
                target.debuggedProcess = pid
                target.debuggedSince = index
                try show(.signal(GdbSession.sigtrap), of: pid, at: .beforeEvent(index, thread: pid))
            } else if let command, case let .exec(exec) = event, Self.names(exec, command) {
                target.debuggedProcess = exec.tid
                target.debuggedSince = index + 1
                target.debuggedExecutable = access(exec.executable.path, R_OK) == 0 ? exec.executable.path : nil
                self.goal = .afterExec(exec.tid)
            }
        case let .resumeAfterDiversion(moment, action, thread):
            switch moment {
            case let .beforeEvent(event, _) where event == index:
                try resumeHere(moment, action, thread: thread)
            case let .syscallExit(event, _) where event + 1 == index:
                try resumeHere(moment, action, thread: thread)
            case let .userCode(event, tid, position?) where event == index:
                if let runner = target.replayer.tasks[tid] {
                    try target.replayer.reach(position, on: runner, describe: "where the debugger's diversion began, 0x\(String(position.registers.rip, radix: 16))")
                }
                try resumeHere(moment, action, thread: thread)
            default:
                try giveUpIfPassed(moment.event, index: index, task: task)
            }
        case let .afterExec(tid):
            try show(.signal(GdbSession.sigtrap), of: tid, at: .beforeEvent(index, thread: tid))
        case .stopBeforeEvent:
            break
        }
    }

    /// Whether `exec` runs the program `command` names (its path, its file name, or argv[0]).
    static func names(_ exec: ExecEvent, _ command: String) -> Bool {
        let path = exec.executable.path
        let argv0 = exec.arguments.first.map { String(decoding: $0, as: UTF8.self) }
        return path == command || path.split(separator: "/").last.map(String.init) == command || argv0 == command
    }

    /// The end of collecting: the last hit is shown by the next replay; with none, the start.
    private func backToLastHit(excludingSyscallHitsOf event: UInt64?) throws {
        let earlier = hits.filter { !($0.bySyscall && $0.event == event) }
        guard let last = earlier.last else {
            // None since the checkpoint this replay started from: the events before it are next
            // (those before the last checkpoint since which a watched byte may have been written).
            let origin = replayOrigin > 0 ? latestPossibleHitWindow(before: replayOrigin) : 0
            goal = origin > 0 ? .collectHits(before: .beforeEvent(origin, thread: target.processLeader)) : .start
            throw replayAgain()
        }
        if case .watchpoint = last.reason, !last.bySyscall {
            goal = .countStepsToHit(last)
        } else {
            goal = .stopAtHit(last)
        }
        throw replayAgain()
    }

    /// A search whose event has gone by without finding its point stops where replay is.
    private func giveUpIfPassed(_ event: UInt64, index: UInt64, task: ReplayTask) throws {
        guard index > event else { return }
        reportError(tool: "rr-replayer", "going back: the point in event \(event) was not found again; stopped at event \(index)")
        try show(.signal(GdbSession.sigtrap), of: task.recordedTid, at: .beforeEvent(index, thread: task.recordedTid))
    }

    /// How to resume `task` during a silent replay: single steps for a software breakpoint's
    /// step-over and for the thread whose instructions are counted; otherwise to the next stop.
    func seekingResumeMode(for task: ReplayTask) throws -> Tracee.Resume {
        try armHardwareBreakpoints(on: task)
        let counted = stepping?.thread == task.recordedTid
        guard counted || steppingOver?.thread == task.recordedTid else { return .toSyscall }
        switch task.position {
        case .atSyscallEntry, .inSyscall, .exiting: return .toSyscall
        default: break
        }
        let rip = try task.tracee.registers().rip
        let code = (try? task.tracee.readMemory(at: rip, count: 2)) ?? []
        if code == Self.syscallInstruction {
            // A step over an int3 on the syscall itself ends at its entry stop (seekingClaims).
            return .toSyscall
        }
        seekStepPushesFlags = code.first == Self.pushf
        return .singleStep
    }

    /// The hits and single steps of a silent replay: never shown, except the one searched for.
    func seekingClaims(_ stop: Stop, of task: ReplayTask) throws -> Bool {
        let tid = task.recordedTid
        stops += 1
        let counted = stepping?.thread == tid
        let overStep = steppingOver?.thread == tid
        guard stop == .signal(.sigtrap) else {
            if overStep { try finishStepOver() }
            return false
        }
        if seekStepPushesFlags, counted || overStep {
            seekStepPushesFlags = false
            try clearPushedTrapFlag(task)
        }
        let code = try Self.trapCode(of: task)
        var registers = try task.tracee.registers()
        var reason: GdbSession.StopReason?
        if code != Self.kernelTrap, !target.watchpoints.isEmpty, let watchpoint = try triggeredWatchpoint(of: task) {
            reason = .watchpoint(watchpoint.kind, address: watchpoint.address)
        } else if code == Self.kernelTrap, let original = target.softwareBreakpoints[registers.rip &- 1] {
            registers.rip -= 1
            try task.tracee.setRegisters(registers)
            // Stepped over by hand: the original byte for one instruction, then the int3 again.
            try task.tracee.writeMemory(at: registers.rip, bytes: [original])
            steppingOver = (tid, registers.rip)
            reason = .softwareBreakpoint
        } else if code == Self.hardwareTrap || code == Self.breakpointTrap, target.hardwareBreakpoints.contains(registers.rip) {
            reason = .hardwareBreakpoint
        }
        // The step over ends once the instruction has run: not at a stop before it (replay's own
        // breakpoint on the same address fires first).
        if overStep, reason != .softwareBreakpoint, registers.rip != steppingOver?.address { try finishStepOver() }
        guard reason != nil || counted || overStep else { return false }
        if counted, var progress = stepping {
            progress.count += 1
            stepping = progress
            if progress.count > Self.mostSteps {
                reportError(tool: "rr-replayer", "going back: more than \(Self.mostSteps) steps in one event; stopped there")
                try show(.signal(GdbSession.sigtrap), of: tid, at: .userCode(events, thread: tid, nil))
                return true
            }
        }
        if let reason {
            if reason == .softwareBreakpoint || reason == .hardwareBreakpoint { hitSinceCheckpoint.insert(registers.rip) }
            hitsInEvent += 1
            lastHitStop = stops
            let hit = DebuggerHit(event: events, ordinal: hitsInEvent, thread: tid, reason: reason, bySyscall: false)
            target.replayer.debug("going back: hit \(hit.ordinal) of event \(hit.event) at 0x\(String(registers.rip, radix: 16)) (\(reason)), step \(stepping?.count ?? -1)")
            switch goal {
            case .collectHits?:
                hits.append(hit)
            case let .stopAtHit(wanted)? where wanted.event == hit.event && wanted.ordinal == hit.ordinal:
                if let over = steppingOver { try task.tracee.writeMemory(at: over.address, bytes: [ReplayTarget.int3]); steppingOver = nil }
                try show(reason, of: tid, at: .userCode(events, thread: tid, nil))
                return true
            case let .countStepsToHit(wanted)? where wanted.event == hit.event && wanted.ordinal == hit.ordinal:
                // The write was the last step's instruction: the point before it is one step fewer.
                goal = .stopAfterSteps(hit.event, thread: tid, steps: (stepping?.count ?? 1) - 1, reason: reason)
                throw replayAgain()
            default: break
            }
        }
        if counted, let progress = stepping {
            switch goal {
            case let .countStepsToPosition(event, _, position)?:
                if try target.replayer.isAt(position, task) {
                    goal = .stopAfterSteps(event, thread: tid, steps: progress.count - 1, reason: .signal(GdbSession.sigtrap))
                    throw replayAgain()
                }
            case let .stopAfterSteps(_, _, steps, reason)? where progress.count == steps:
                if let over = steppingOver { try task.tracee.writeMemory(at: over.address, bytes: [ReplayTarget.int3]); steppingOver = nil }
                try show(reason, of: tid, at: .userCode(events, thread: tid, nil))
                return true
            default: break
            }
        }
        // Replay's own search for a recorded point may have stopped here too: it is told (Replayer.nextRawStop).
        return true
    }

    /// A traced syscall's output touched a watchpoint during a silent replay.
    func seekingSyscallWrote(_ watchpoint: ReplayTarget.Watchpoint, on task: ReplayTask) throws {
        hitsInEvent += 1
        let reason = GdbSession.StopReason.watchpoint(watchpoint.kind, address: watchpoint.address)
        let hit = DebuggerHit(event: events, ordinal: hitsInEvent, thread: task.recordedTid, reason: reason, bySyscall: true)
        switch goal {
        case .collectHits?:
            hits.append(hit)
        case let .stopAtHit(wanted)? where wanted.event == hit.event && wanted.ordinal == hit.ordinal:
            try show(reason, of: task.recordedTid, at: .syscallExit(events, thread: task.recordedTid))
        default: break
        }
    }

    /// The software breakpoint stepped over goes back in.
    private func finishStepOver() throws {
        guard let over = steppingOver, let task = target.replayer.tasks[over.thread] else { steppingOver = nil; return }
        steppingOver = nil
        try task.tracee.writeMemory(at: over.address, bytes: [ReplayTarget.int3])
    }

    /// The event replay is at.
    var events: UInt64 { target.replayer.eventIndex }
}

extension ReplayMoment {
    /// The event the point is in (the start: before any).
    var event: UInt64 {
        switch self {
        case .start: return 0
        case let .beforeEvent(event, _), let .syscallExit(event, _), let .userCode(event, _, _): return event
        }
    }
}

extension Replayer {
    /// Where `task` is in its user code, as a recording names a point (AsyncEvents.swift).
    func currentPosition(of task: ReplayTask) throws -> UserPosition {
        let registers = try task.tracee.registers()
        let buffers = tasks.values.filter { $0 === task || sameProcess($0, task) }.compactMap(\.buffer)
        var position = UserPosition(registers: registers, extendedStateDigest: try task.tracee.extendedStateDigest(),
                                    memoryDigest: 0, userTime: try task.tracee.userTime(), syscallBuffers: buffers.sorted())
        let code = (try? task.tracee.readMemory(at: registers.rip, count: 16)) ?? []
        let excluded = position.unhashedMemory + RepeatedMove.unsettledMemory(code: code, registers: registers)
        position.memoryDigest = try MemoryDigest.compute(of: task.tracee.tid, excluding: excluded, stackPointer: registers.rsp)
        let coverage = PointedMemory.coverage(try ProcFiles.maps(of: task.tracee.tid), excluding: excluded, stackPointer: registers.rsp)
        position.pointedMemory = PointedMemory.digests(pid: task.tracee.tid, registers: registers, coverage: coverage)
        return position
    }

    /// Whether `task` is at `position` now (the registers first: they are cheap).
    func isAt(_ position: UserPosition, _ task: ReplayTask) throws -> Bool {
        let registers = try task.tracee.registers()
        guard position.matches(registers), try task.tracee.extendedStateDigest() == position.extendedStateDigest else { return false }
        let code = (try? task.tracee.readMemory(at: registers.rip, count: 16)) ?? []
        let excluded = position.unhashedMemory + RepeatedMove.unsettledMemory(code: code, registers: registers)
        return try MemoryDigest.compute(of: task.tracee.tid, excluding: excluded, stackPointer: registers.rsp) == position.memoryDigest
    }
}
