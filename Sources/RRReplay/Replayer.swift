import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// Replays a recording: re-executes the programs' own code in fresh processes under ptrace,
/// performs for real only the syscalls that shape address spaces, tasks and signal state, injects
/// the recorded results of all others, and checks every event against the recording. Events are
/// replayed in the recorded order: each one names the thread that must reach it next.
public final class Replayer {
    public struct Options {
        public var cpu: Int32 = 0
        /// Where the trace's files are written out to be executed and mapped (private to the user).
        public var cacheDirectory = PrivateDirectory.userCache("replay")
        /// The size the cache directory is trimmed to after a replay (CacheBudget).
        public var cacheLimit = CacheBudget.defaultLimit
        /// Where copies of ld.so go: a path short enough to fit in an executable's PT_INTERP.
        public var interpreterDirectory = "/tmp/.rrs-\(geteuid())"
        public init() {}
    }

    /// How a replay ended.
    public enum Outcome: Equatable {
        /// The whole recording replayed; the recorded program's status as a shell reports it.
        case completed(status: Int32)
        /// A truncated trace (read with `partial`) replayed up to its last complete block.
        case prefixReplayed(events: UInt64, bytes: UInt64, blocks: UInt32)
    }

    let events: EventSource
    let files: FileCache
    let options: Options
    var tasks: [Tid: ReplayTask] = [:]
    let echo = EchoOutput()
    let shared: SharedMappings
    var mainTid = Tid(0)
    var mainStatus: Int32 = 0
    /// The shell status of each process that has ended, by its recorded pid.
    var processStatuses: [Tid: Int32] = [:]
    /// The replay goes on from a checkpoint (Checkpoints.swift), not from the recording's start.
    var resumesCheckpoint = false
    /// The writes of the checkpointed process since `trackedSince`, the event of the last
    /// checkpoint taken or gone on from (nil: not tracked).
    var writeTracker: WriteTracker?
    var trackedSince: UInt64?
    /// The task of the event being replayed, for divergence reports.
    var currentTid = Tid(0)
    /// The gdb session the replay answers to, if one is attached (replay --server).
    private(set) var debugger: ReplayDebugger?
    /// The program file the debugger reads symbols from: the recorded path while that file is
    /// there, else replay's copy of it (the same but for PT_INTERP).
    var debuggedExecutable: String?
    /// Replay's copy from the trace of each file mapped privately, by its recorded path (for the
    /// debugger, where the original is gone).
    var cachedCopies: [String: String] = [:]
    /// The code of files that search trampolines were put in (nil: not an ELF file), by path.
    var codeImages: [String: CodeImage?] = [:]
    /// Where jumps through registers may land in a function ("path:offset"; nil: unknown).
    var indirectTargets: [String: [UInt64]?] = [:]

    /// Makes the replay a debugging session: it stops at the first instruction of the recorded
    /// program, and at every breakpoint and step the debugger asks for.
    public func attach(_ debugger: ReplayDebugger) {
        debugger.target.replayer = self
        self.debugger = debugger
    }

    /// Ends this replay's use of the cache directory (its size is checked then, and trimmed if
    /// due); call it when the replay is over.
    public func releaseCache() { files.finish() }

    /// The event being replayed, to say where a debugging session ended.
    public var eventIndex: UInt64 { events.index }

    /// A replay of the recording `reader` reads, from its start.
    public convenience init(reader: StreamReader, options: Options) throws {
        let files = try FileCache(directory: options.cacheDirectory, limit: options.cacheLimit, interpreterDirectory: options.interpreterDirectory)
        try self.init(events: try EventSource(reader: reader, files: files), files: files, options: options)
    }

    init(events: EventSource, files: FileCache, options: Options) throws {
        self.options = options
        self.files = files
        self.shared = SharedMappings(directory: options.cacheDirectory)
        self.events = events
        if let recorded = events.header?.cpuModel, recorded != MachineInfo.cpuModel {
            throw RRError.incompatible("the trace was recorded on CPU \"\(recorded)\", this machine has \"\(MachineInfo.cpuModel)\" (CPUID cannot be trapped, so the program could take other paths)")
        }
    }

    /// Replays to the end of the trace.
    public func replay() throws -> Outcome {
        Spawner.pinSelf(to: options.cpu)
        Spawner.prepareSupervisor()
        defer { killAll() }
        if !resumesCheckpoint { try start() }
        let trace = getenv("RR_SWIFT_DEBUG") != nil
        while let event = try events.peek() {
            currentTid = event.tid
            if trace { reportError(tool: "replay", "event \(events.index) tid \(event.tid): \(event.summary)") }
            let driver: Tid
            if case let .exec(exec) = event, let former = exec.formerTid { driver = former } else { driver = event.tid }
            guard let task = tasks[driver] else {
                throw divergence(event.summary, "no such task (tid \(event.tid) was never created in replay)")
            }
            try debugger?.willReplay(events.index, event, on: task)
            try replay(event, on: task)
            events.advance()
        }
        if events.readerEndedEarly {
            return .prefixReplayed(events: events.index, bytes: events.completeBytes, blocks: events.completeBlocks)
        }
        if let end = events.end, !end.error.isEmpty {
            throw RRError.usage("replayed all of a recording that stopped early: \(end.error)")
        }
        if let debugger {
            try debugger.finished(shellStatus: debugger.target.debuggedProcess.flatMap { processStatuses[$0] } ?? mainStatus)
        }
        return .completed(status: mainStatus)
    }

    /// Starts the recorded program: its first exec.
    private func start() throws {
        guard case let .exec(first)? = try events.peek() else {
            if let end = events.end, !end.error.isEmpty { throw RRError.usage("the recording holds no events: \(end.error)") }
            throw RRError.corruptTrace("the trace does not start with an exec event")
        }
        let (path, patch) = try files.executable(for: first)
        var spawnOptions = Spawner.Options(cpu: options.cpu)
        spawnOptions.noCoreDumps = true
        spawnOptions.signalState = (first.ignoredSignals, first.blockedSignals)
        let tracee = try Spawner.spawn(path: path, arguments: first.arguments, environment: first.environment, options: spawnOptions)
        let main = ReplayTask(tracee: tracee, recordedTid: first.tid, position: .stopped)
        tasks[first.tid] = main
        mainTid = first.tid
        currentTid = first.tid
        try applyExec(first, to: main, copyPath: path, interpreterPatch: patch)
        events.advance()
        if let debugger {
            debuggedExecutable = access(first.executable.path, R_OK) == 0 ? first.executable.path : path
            try debugger.started(main)
        }
    }

    private func replay(_ event: TraceEvent, on task: ReplayTask) throws {
        switch event {
        case let .exec(exec): try replayExec(exec, on: task)
        case let .syscallEntry(entry): try replayEntry(entry, on: task)
        case let .taskCreated(created): try replayTaskCreation(created, on: task)
        case let .syscall(syscall): try replaySyscall(syscall, on: task)
        case let .instructionTrap(trap): try replayInstructionTrap(trap, on: task)
        case let .signal(signal): try replaySignal(signal, on: task)
        case let .exit(exit): try replayExit(exit, on: task)
        case let .patch(patch): try replayPatch(patch, on: task)
        case let .bufferFlush(flush): try replayFlush(flush, on: task)
        case let .preemption(preemption): try replayPreemption(preemption, on: task)
        }
    }

    func divergence(_ expected: String, _ actual: String) -> RRError {
        echo.flush()
        return .divergence(event: events.index, tid: currentTid, expected: expected, actual: actual)
    }

    // MARK: driving a task

    /// Resumes the task and returns its next stop that matters: the exit stop of an exec (which
    /// replay does not count as an event) is passed over, and so is a signal the kernel raised by
    /// itself in replay (a real child's SIGCHLD): replay delivers only recorded signals.
    func nextStop(_ task: ReplayTask, expecting expectedSignal: SignalNumber? = nil) throws -> Stop {
        let stop = try nextRawStop(task, expecting: expectedSignal)
        if task.pendingFlush != nil { debug("stop of \(task.recordedTid) after a flush: \(stop) at 0x\(String((try? task.tracee.registers())?.rip ?? 0, radix: 16))") }
        try checkSyscallBuffer(task)
        return stop
    }

    /// `nextStop` without the check of the thread's syscall buffer.
    /// A `watchdog` is called every second while the task runs without a stop (and may throw).
    func nextRawStop(_ task: ReplayTask, expecting expectedSignal: SignalNumber? = nil, watchdog: (() throws -> Void)? = nil) throws -> Stop {
        if let restart = task.restartableSyscall {
            task.restartableSyscall = nil
            if task.pendingSignal == 0 { try restartByHand(task, restart.number, restart.result) }
        }
        while true {
            let signal = task.pendingSignal
            task.pendingSignal = 0
            try task.tracee.resume(try debugger?.resumeMode(for: task) ?? .toSyscall, signal: signal)
            let stop = try waitForStop(of: task, watchdog: watchdog)
            if let debugger, try debugger.claims(stop, of: task) {
                // Replay's own breakpoint (a search for a recorded point) may be at the same place.
                if let own = task.tracee.executionBreakpoints[0], own == (try task.tracee.registers()).rip { return stop }
                continue
            }
            switch stop {
            case .syscall:
                if case .inSyscall = task.position { return stop }
                if try task.tracee.isSyscallEntry() {
                    if try passReplayedSlotSyscall(task) { continue }
                    return stop
                }
                continue  // the exit stop of an exec already replayed
            case .signal(let signal) where !signal.isSynchronousFault && signal != expectedSignal:
                continue  // raised by the kernel during replay, not recorded: suppressed
            default:
                return stop
            }
        }
    }

    private func waitForStop(of task: ReplayTask, watchdog: (() throws -> Void)?) throws -> Stop {
        guard let watchdog else { return try Stop.wait(for: task.tracee.tid).1 }
        while true {
            if let (_, stop) = try Stop.wait(for: task.tracee.tid, timeout: 1_000_000_000) { return stop }
            try watchdog()
        }
    }

    /// What the kernel does on the way back to user space after -ERESTARTSYS, -ERESTARTNOINTR,
    /// -ERESTARTNOHAND (re-execute the syscall) or -ERESTART_RESTARTBLOCK (restart_syscall)
    /// when no handler runs.
    private func restartByHand(_ task: ReplayTask, _ number: SyscallNumber, _ result: Int64) throws {
        var registers = try task.tracee.registers()
        registers.rip -= 2
        registers.rax = result == -516 ? UInt64(SyscallNumber.restart_syscall.rawValue) : UInt64(bitPattern: number.rawValue)
        try task.tracee.setRegisters(registers)
    }

    /// Brings the task to its next syscall entry and checks it against the recording.
    func reachSyscallEntry(_ task: ReplayTask, number: SyscallNumber, arguments: [UInt64]?, digest: UInt64?,
                           describe: () -> String) throws -> Registers {
        if case let .atSyscallEntry(registers) = task.position {
            // Reached at an earlier entry event; the syscall's own event must agree with it.
            let actual = SyscallEvent(tid: task.recordedTid, number: SyscallNumber(Int64(bitPattern: registers.origRax)),
                                      arguments: registers.syscallArguments, result: 0, entryDigest: 0)
            guard actual.number == number, arguments == nil || actual.arguments == arguments else {
                throw divergence(describe(), actual.callDescription)
            }
            return registers
        }
        let stop = try nextStop(task)
        guard stop == .syscall else { throw divergence(describe(), describeStop(stop, task)) }
        let registers = try task.tracee.registers()
        RegisterLog.note(task.tracee, as: task.recordedTid, "entry", registers)
        let actualNumber = SyscallNumber(Int64(bitPattern: registers.origRax))
        let actualArguments = registers.syscallArguments
        guard actualNumber == number, arguments == nil || actualArguments == arguments else {
            let actual = SyscallEvent(tid: task.recordedTid, number: actualNumber, arguments: actualArguments, result: 0, entryDigest: 0)
            throw divergence(describe(), actual.callDescription)
        }
        if let digest, digest != registers.digest {
            throw divergence("\(number.name) entered with register digest \(digest)", "digest \(registers.digest)")
        }
        task.position = .atSyscallEntry(registers)
        return registers
    }

    func describeStop(_ stop: Stop, _ task: ReplayTask) -> String {
        switch stop {
        case .syscall:
            let number = (try? task.tracee.registers()).map { SyscallNumber(Int64(bitPattern: $0.origRax)).name } ?? "?"
            return "syscall \(number)"
        case .signal(let signal):
            let rip = (try? task.tracee.registers())?.rip ?? 0
            // si_code tells a kernel fault, a trap and a signal a process sent apart.
            let siginfo = (try? task.tracee.siginfo()) ?? []
            let code = siginfo.count >= 12 ? " (si_code \(siginfo.loadLittleEndian(Int32.self, at: 8)))" : ""
            return "signal \(signal)\(code) at 0x\(String(rip, radix: 16))"
        case let .exited(code, _): return "the task exiting with status \(code)"
        case let .killed(signal, _): return "the task killed by \(signal)"
        case .exec: return "an exec"
        case .taskCreated: return "a task creation"
        case .exiting: return "the task exiting"
        case .seccomp: return "a seccomp stop"
        case .otherEvent(let event): return "ptrace event \(event)"
        }
    }

    // MARK: exec

    private func replayExec(_ exec: ExecEvent, on task: ReplayTask) throws {
        // The exec leaves the memory the tracker watches, and the kernel forgets the thread's
        // tid and robust-list addresses.
        writeTracker = nil
        trackedSince = nil
        task.clearChildTid = 0
        task.robustList = nil
        // The path argument is not checked: replay rewrites it to the cached copy.
        var registers = try reachSyscallEntry(task, number: .execve, arguments: nil, digest: nil) { "exec of \(exec.executable.path)" }
        let (path, patch) = try files.executable(for: exec)
        let bytes = Array(path.utf8) + [0]
        // Below the red zone and well clear of the live stack; the exec discards this memory.
        let address = (registers.rsp - 16384 - UInt64(bytes.count)) & ~15
        try task.tracee.writeMemory(at: address, bytes: bytes)
        var arguments = registers.syscallArguments
        arguments[0] = address
        registers.syscallArguments = arguments
        try task.tracee.setRegisters(registers)
        task.position = .stopped
        if let former = exec.formerTid {
            try execFromOtherThread(exec, task: task, former: former)
        } else {
            let stop = try nextStop(task)
            guard stop == .exec else { throw divergence("exec of \(exec.executable.path)", describeStop(stop, task)) }
        }
        try applyExec(exec, to: task, copyPath: path, interpreterPatch: patch)
    }

    /// A non-main thread's execve: the kernel kills the other threads (each stops at its exit
    /// and must be let go) and reports the exec under the main thread's tid, which the execing
    /// thread takes over.
    private func execFromOtherThread(_ exec: ExecEvent, task: ReplayTask, former: Tid) throws {
        guard let leader = tasks[exec.tid] else { throw divergence("exec taking over tid \(exec.tid)", "no such task") }
        let siblings = tasks.values.filter { $0 !== task }
        try task.tracee.resume(.toSyscall)
        while true {
            let (tid, stop) = try Stop.wait(for: Tid(-1))
            if tid == leader.tracee.tid, stop == .exec { break }
            guard let sibling = siblings.first(where: { $0.tracee.tid == tid }) else {
                throw divergence("exec of \(exec.executable.path)", "a stop of tid \(tid) (\(stop))")
            }
            switch stop {
            case let .exited(_, status), let .killed(_, status): sibling.deathStatus = status
            default: try sibling.tracee.resume(.toSyscall)
            }
        }
        tasks[exec.tid] = task
        tasks[former] = nil
        task.tracee = Tracee(tid: leader.tracee.tid)
        task.recordedTid = exec.tid
    }

    /// Makes the freshly exec'd image identical to the recorded one: original PT_INTERP bytes,
    /// the recorded initial stack (argv, envp, auxv, AT_RANDOM) and registers, patched vDSO.
    func applyExec(_ exec: ExecEvent, to task: ReplayTask, copyPath: String, interpreterPatch: (offset: Int, bytes: [UInt8])?) throws {
        let tracee = task.tracee
        tracee.forgetAddressSpace()
        let maps = try ProcFiles.maps(of: tracee.tid)
        if let patch = interpreterPatch {
            let resolved = (try? realPath(copyPath)) ?? copyPath
            guard let mapping = maps.first(where: { ($0.path == copyPath || $0.path == resolved) && $0.offset <= UInt64(patch.offset)
                && UInt64(patch.offset) < $0.offset + ($0.end - $0.start) }) else {
                throw divergence("exec of \(exec.executable.path)", "no mapping holds its PT_INTERP")
            }
            try tracee.writeMemory(at: mapping.start + UInt64(patch.offset) - mapping.offset, bytes: patch.bytes)
        }
        let registers = try tracee.registers()
        guard registers.rip == exec.registers.rip else {
            throw divergence("exec entering at 0x\(String(exec.registers.rip, radix: 16))",
                             "entry at 0x\(String(registers.rip, radix: 16)) (different memory layout)")
        }
        let stackTop = exec.registers.rsp + UInt64(exec.stackBytes.count)
        guard maps.contains(where: { $0.path == "[stack]" && $0.start <= exec.registers.rsp && $0.end == stackTop }) else {
            throw divergence("initial stack ending at 0x\(String(stackTop, radix: 16))", "a different stack layout")
        }
        try tracee.writeMemory(at: exec.registers.rsp, bytes: exec.stackBytes)
        try tracee.setRegisters(exec.registers)
        try VdsoPatcher.patch(tracee)
        for write in exec.writes { try tracee.writeMemory(at: write.address, bytes: write.bytes) }
        task.position = .stopped
    }

    // MARK: tasks

    private func replayEntry(_ entry: SyscallEntryEvent, on task: ReplayTask) throws {
        _ = try reachSyscallEntry(task, number: entry.number, arguments: entry.arguments, digest: entry.entryDigest) {
            "entry of \(entry.number.name)"
        }
    }

    private func replayTaskCreation(_ created: TaskCreatedEvent, on task: ReplayTask) throws {
        let registers = try reachSyscallEntry(task, number: created.number, arguments: created.arguments,
                                              digest: created.entryDigest) { "\(created.number.name) creating a task" }
        task.position = .inSyscall(entry: registers)
        if created.number == .clone { try UntracedClone.clear(task.tracee) }
        let signal = task.pendingSignal
        task.pendingSignal = 0
        try task.tracee.resume(.toSyscall, signal: signal)
        let (_, stop) = try Stop.wait(for: task.tracee.tid)
        guard stop == .taskCreated else { throw divergence("\(created.number.name) creating a task", describeStop(stop, task)) }
        let childTid = Tid(Int32(truncatingIfNeeded: try task.tracee.eventMessage()))
        let (_, first) = try Stop.wait(for: childTid)
        guard first == .signal(.sigstop) else { throw divergence("a new task's first stop", "\(first)") }
        if created.number == .clone { try UntracedClone.restore(Tracee(tid: childTid), flags: created.arguments[0]) }
        let child = ReplayTask(tracee: Tracee(tid: childTid), recordedTid: created.child, position: .initial)
        tasks[created.child] = child
        let flags = SyscallBufferLayout.cloneFlags(created.number, arguments: created.arguments)
        if created.number == .clone && flags & 0x20_0000 != 0 { child.clearChildTid = created.arguments[3] }  // CLONE_CHILD_CLEARTID
        // A child on memory of its own writes where the tracker does not look.
        if flags & 0x100 == 0 {  // CLONE_VM
            writeTracker = nil
            trackedSince = nil
        }
        try inheritSyscallBuffering(parent: task, child: child,
                                    cloneFlags: SyscallBufferLayout.cloneFlags(created.number, arguments: created.arguments))
        // The kernel stored the new task's real tid where clone was asked to; the recording had
        // the recorded one there, and either task may read it before the parent's syscall returns.
        if created.number == .clone {
            let flags = created.arguments[0]
            let tid = withUnsafeBytes(of: created.child.rawValue.littleEndian) { Array($0) }
            if flags & 0x10_0000 != 0 { try task.tracee.writeMemory(at: created.arguments[2], bytes: tid) }  // CLONE_PARENT_SETTID
            if flags & 0x100_0000 != 0 { try child.tracee.writeMemory(at: created.arguments[3], bytes: tid) }  // CLONE_CHILD_SETTID
        }
    }

    private func replayExit(_ exit: ExitEvent, on task: ReplayTask) throws {
        if writeTracker?.pid == task.tracee.tid {
            writeTracker = nil
            trackedSince = nil
        }
        let exitedByItself = task.position.isExiting && exit.waitStatus & 0x7f != 9
        if let status = task.deathStatus {
            let actual = ExitEvent(tid: task.recordedTid, waitStatus: status, finalRegisters: nil)
            guard actual.shellStatus == exit.shellStatus else {
                throw divergence("exit status \(exit.shellStatus)", "exit status \(actual.shellStatus)")
            }
            tasks[task.recordedTid] = nil
            return
        }
        if !task.position.isExiting, exit.waitStatus & 0x7f != 9,
           let exiting = tasks.values.first(where: { $0 !== task && $0.position.isExiting && sameProcess($0, task) }) {
            // Killed by that thread's exit_group (wherever it was in its user code) when recorded;
            // in replay the exit_group has not run yet. The thread waits, stopped, and dies when it runs.
            exiting.groupMembersToReap.append(task)
            tasks[task.recordedTid] = nil
            return
        }
        if exit.waitStatus & 0x7f == 9 {
            // SIGKILL never shows as a delivery: it came from outside, at this point of the schedule.
            task.tracee.kill()
        }
        while true {
            let signal = task.pendingSignal
            task.pendingSignal = 0
            do { try task.tracee.resume(.toSyscall, signal: signal) } catch { debug("resume for exit: \(error)") }
            let (_, stop) = try Stop.wait(for: task.tracee.tid)
            debug("exit of \(task.recordedTid): stop \(stop)")
            switch stop {
            case .exiting:
                try checkSyscallBuffer(task)
                try reapGroupMembers(of: task)
                if var recorded = exit.finalRegisters {
                    var registers = try task.tracee.registers()
                    if !exitedByItself {
                        // Killed (SIGKILL, or another thread's exit_group) possibly inside a
                        // syscall: rax holds the kernel's unfinished result, which replay (which
                        // never ran that syscall) cannot have.
                        registers.rax = 0
                        recorded.rax = 0
                        if registers.rip == SyscallBufferLayout.recordedSlot && recorded.rip == SyscallBufferLayout.tracedSlot + 2 {
                            // Killed in a buffered call that had blocked: when recorded, inside its
                            // traced remake; in replay, held at the call's start. The syscall
                            // instruction's own traces (rip, rcx, r11, orig_rax) differ, nothing else.
                            for index in [6, 11, 15, 16] { registers.words[index] = recorded.words[index] }
                        }
                    }
                    guard registers == recorded else {
                        throw divergence("final registers as recorded", registers.differences(from: recorded).joined(separator: ", "))
                    }
                }
            case let .exited(_, status), let .killed(_, status):
                let actual = ExitEvent(tid: task.recordedTid, waitStatus: status, finalRegisters: nil)
                guard actual.shellStatus == exit.shellStatus else {
                    throw divergence("exit status \(exit.shellStatus)", "exit status \(actual.shellStatus)")
                }
                tasks[task.recordedTid] = nil
                if task.recordedTid == mainTid { mainStatus = exit.shellStatus }
                processStatuses[task.recordedTid] = exit.shellStatus
                return
            case .signal(let signal) where !signal.isSynchronousFault:
                continue  // a dying task's stray signal
            case .syscall where task.position.isExiting:
                continue
            default:
                throw divergence("the task exiting", describeStop(stop, task))
            }
        }
    }

    func sameProcess(_ a: ReplayTask, _ b: ReplayTask) -> Bool {
        let groups = [a, b].map { try? ProcFiles.statusFields(of: $0.tracee.tid)["Tgid"] }
        return groups[0] != nil && groups[0] == groups[1]
    }

    /// The threads an exit_group killed, once it has run: each stops at its exit and is let go.
    private func reapGroupMembers(of task: ReplayTask) throws {
        for member in task.groupMembersToReap {
            while let (_, stop) = try Stop.wait(for: member.tracee.tid, timeout: 2_000_000_000) {
                if case .exited = stop { break }
                if case .killed = stop { break }
                try? member.tracee.resume(.toSignal)
            }
        }
        task.groupMembersToReap.removeAll()
    }

    func debug(_ message: @autoclosure () -> String) {
        if getenv("RR_SWIFT_DEBUG") != nil { reportError(tool: "replay", message()) }
    }

    private func killAll() {
        for task in tasks.values { task.tracee.kill() }
        for task in tasks.values {
            // Bounded: a task whose end was already collected must not hang the replayer.
            while let (_, stop) = (try? Stop.wait(for: task.tracee.tid, timeout: 1_000_000_000)) ?? nil {
                if case .exited = stop { break }
                if case .killed = stop { break }
                try? task.tracee.resume(.toSignal)
            }
        }
        tasks.removeAll()
    }
}

extension ReplayTask.Position {
    var isExiting: Bool {
        if case .exiting = self { return true }
        return false
    }
}

func realPath(_ path: String) throws -> String {
    guard let resolved = realpath(path, nil) else { throw RRError.system(call: "realpath", errno: errno, detail: path) }
    defer { free(resolved) }
    return String(cString: resolved)
}
