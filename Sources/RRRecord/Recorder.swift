import CRRShims
import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// Records a program and everything it starts: runs its threads under ptrace one at a time,
/// stops them at every syscall, signal, trapped instruction and task creation, and sends each as
/// an event to the trace-writer. The order of the events is the recorded schedule. The loop is
/// synchronous on the thread that spawned the tracees, as ptrace requires.
public final class Recorder {
    public struct Options {
        public var cpu: Int32 = 0
        public var stdoutToStderr = false
        /// The preload library that buffers syscalls inside the program; nil records every
        /// syscall through ptrace.
        public var syscallBufferLibrary: String?
        /// Nanoseconds of user code after which a thread is preempted while others wait.
        public var timeSlice: Int64 = 50_000_000
        /// Chaos mode: random slices (up to `timeSlice`) and a random next thread.
        public var chaos = false
        /// Print counts of ptrace stops and buffered syscalls to stderr at the end.
        public var printsStatistics = false
        /// Said once the program runs under ptrace (why the recording is slower than it could be);
        /// a recording that cannot start says only why not.
        public var warnings: [String] = []
        public init() {}
    }

    struct PendingSyscall {
        var registers: Registers
        var spec: SyscallSpec
        /// The task was resumed into the kernel for this syscall.
        var entered = false
        /// An entry event was recorded (other events came between entry and exit).
        var entryRecorded = false
        /// Output buffers pointed at scratch memory while the call waits in the kernel.
        var redirections: [ScratchBuffers.Redirection] = []
        /// The syscall instruction of this call was just patched: the call is skipped, and the
        /// thread goes back to the site to make it through the patch.
        var patchedSite: RemoteAddress?
        /// Skipped because the supervisor's SIGSTOP is pending: the kernel makes the call again
        /// once the stop is handled (no event of its own). Let into the kernel, the call would be
        /// cut short by the stop, and some (sigtimedwait, epoll_wait, semop) fail with EINTR then.
        var madeAgainAfterStop = false
        /// A buffered syscall that blocked, made again from the traced slot (no event of its own).
        var continuesBufferedCall = false
        /// Not run (skipped by the kernel): a refused call, which fails with the refusal's error,
        /// or the program's tracing, emulated by the supervisor (ProgramTracer).
        var emulated: EmulatedCall?
        var arguments: [UInt64] { registers.syscallArguments }
    }

    let sink: PipeSink
    let files: FileStore
    let options: Options
    var eventCount: UInt64 = 0
    let scheduler = Scheduler()
    var mainTid = Tid(0)
    var mainStatus: Int32 = 0
    /// How long the runner has gone without a stop while others waited (nanoseconds), and the
    /// slice it may use before it is preempted.
    private var quietTime: Int64 = 0
    private var currentSlice: Int64 = 0
    var preemptionCount = 0
    var warnedSharedFiles: Set<String> = []
    /// The syscalls and operations refused with a warning so far (one warning each).
    var warnedRefusals: Set<String> = []
    /// For --stats style reports (RR_SWIFT_STATS): ptrace stops handled and syscalls buffered.
    var stopCount = 0
    var bufferedSyscallCount = 0
    var waitTimeouts = 0
    /// Signals held back in the buffering code, and the most events one waited to be delivered.
    var deferredSignalCount = 0
    var longestDeferral: UInt64 = 0

    public init(sink: PipeSink, options: Options) {
        self.sink = sink
        self.files = FileStore(sink: sink)
        self.options = options
        scheduler.picksAtRandom = options.chaos
    }

    /// Records `program` until every task it started has ended and returns the program's status
    /// as a shell reports it. Whatever happens, the trace ends with an `end` message saying how.
    public func record(program: String, arguments: [String], environment: [String], workingDirectory: String) throws -> Int32 {
        Spawner.pinSelf(to: options.cpu)
        Spawner.prepareSupervisor()
        try sink.send(.header(TraceHeader(cpuModel: MachineInfo.cpuModel, kernelRelease: MachineInfo.kernelRelease,
                                          hostname: MachineInfo.hostname, startTime: UInt64(time(nil)),
                                          commandLine: arguments, workingDirectory: workingDirectory)))
        var spawnOptions = Spawner.Options(cpu: options.cpu)
        spawnOptions.stdoutToStderr = options.stdoutToStderr
        StopSignals.install()
        let terminal = StopSignals.foregroundTerminal()
        spawnOptions.ownProcessGroup = true
        spawnOptions.foregroundTerminal = terminal
        defer {
            StopSignals.stopForwarding()
            StopSignals.takeBack(terminal)
        }
        let tracee = try Spawner.spawn(path: program, arguments: arguments, environment: preloading(environment, program: program), options: spawnOptions)
        StopSignals.forward(toGroup: tracee.tid)
        let main = RecordedTask(tracee: tracee, process: RecordedProcess(leader: tracee.tid), awaitingInitialStop: false)
        mainTid = main.tid
        for warning in options.warnings { reportError(tool: "rr-supervisor", warning) }
        scheduler.add(main)
        do {
            try recordExec(main)
            scheduler.makeReady(main)
            do {
                try run()
            } catch where StopSignals.killRequested {
                // The program's SIGKILL came in the middle of handling a stop (a thread gone
                // while being looked at): not an error of the recording.
                if debugging { reportError(tool: "record", "after the kill: \(error)") }
                try finishKilledRecording()
            } catch let RRError.system(call, errno, detail) where call == "waitpid" && errno == ECHILD && detail == "tid -1" {
                // No tracee is left to report, though some were never seen to end: killed from
                // outside (SIGKILL) while another stop of theirs was being handled.
                if debugging { reportError(tool: "record", "no tracee left: \(scheduler.allTasks.map(\.tid)) recorded as killed") }
                try recordVanishedTasks()
            }
            try sink.send(.end(TraceEnd(eventCount: eventCount, exitStatus: mainStatus, error: "")))
            try sink.flush()
            if options.printsStatistics {
                reportError(tool: "rr-supervisor", "statistics: \(stopCount) ptrace stops, \(eventCount) events, \(bufferedSyscallCount) buffered syscalls, \(preemptionCount) preemptions, \(waitTimeouts) waits timed out, \(deferredSignalCount) signals deferred (longest \(longestDeferral) events)")
            }
            return mainStatus
        } catch {
            scheduler.killAll()
            try? sink.send(.end(TraceEnd(eventCount: eventCount, exitStatus: -1, error: "\(error)")))
            try? sink.flush()
            throw error
        }
    }

    func emit(_ event: TraceEvent) throws {
        try sink.send(.event(event))
        eventCount += 1
        if showsProgress && eventCount % 64 == 0 { reportProgress() }
    }

    /// Progress lines go to stderr only when it is a terminal, never into pipes or files, and
    /// not with RR_SWIFT_NO_PROGRESS set (a transcript of the terminal must hold only the program).
    private let showsProgress = isatty(2) == 1 && getenv("RR_SWIFT_NO_PROGRESS") == nil
    private let startTime = monotonicNanoseconds()
    private var lastProgress = monotonicNanoseconds()

    private func reportProgress() {
        let now = monotonicNanoseconds()
        guard now - lastProgress >= 2_000_000_000 else { return }
        lastProgress = now
        let megabytes = Double(sink.bytesSent) / 1_048_576
        let seconds = Double(now - startTime) / 1e9
        reportError(tool: "rr-swift", "recording: \(eventCount) events, \(Int(megabytes)) MiB, \(Int(seconds)) s")
    }

    // MARK: the scheduling loop

    /// The next stop of any task, or nil after `timeout` nanoseconds. While the program is quiet
    /// (sleeping, waiting for input), what the sink holds is handed on after its flush interval:
    /// a trace read as a stream then shows the program up to where it is.
    private func waitForStop(timeout: Int64?) throws -> (Tid, Stop)? {
        guard sink.hasPending else {
            return try timeout.map { try Stop.wait(for: Tid(-1), timeout: $0) } ?? (try Stop.wait(for: Tid(-1)))
        }
        let first = min(timeout ?? .max, PipeSink.flushInterval)
        if let reported = try Stop.wait(for: Tid(-1), timeout: first) { return reported }
        try sink.flush()
        guard let timeout else { return try Stop.wait(for: Tid(-1)) }
        return timeout > first ? try Stop.wait(for: Tid(-1), timeout: timeout - first) : nil
    }

    /// A thread killed from outside (SIGKILL) while its stop is being handled makes the next
    /// ptrace call fail with ESRCH: that is its death at this point, not an error of the
    /// recording, and the next wait reports it like any other death.
    private func handleUnlessGone(_ tid: Tid, _ stop: Stop) throws {
        do {
            try handle(tid, stop)
        } catch RRError.system(_, let errno, _) where errno == ESRCH {
            if debugging { reportError(tool: "record", "tid \(tid) vanished while its stop was handled") }
        }
    }

    /// How often threads held in a group stop are checked for a SIGCONT while nothing else runs.
    static let groupStopPollInterval: Int64 = 2_000_000

    /// The same for a thread about to be resumed: a SIGKILL ends a thread held in a group stop
    /// at once, before the supervisor resumes it.
    private func startUnlessGone(_ task: RecordedTask) throws {
        do {
            try start(task)
        } catch RRError.system(_, let errno, _) where errno == ESRCH {
            if debugging { reportError(tool: "record", "tid \(task.tid) vanished before it was resumed") }
        }
    }

    private func run() throws {
        while !scheduler.isEmpty {
            if StopSignals.killRequested {
                try finishKilledRecording()
                break
            }
            if scheduler.hasTasksInGroupStop { scheduler.releaseContinuedTasks() }
            if scheduler.runner == nil {
                if let (tid, stop) = scheduler.takeQueuedStop() {
                    try handleUnlessGone(tid, stop)
                } else if let next = scheduler.takeReady() {
                    try startUnlessGone(next)
                } else {
                    if debugging { reportError(tool: "record", "waiting for any task") }
                    // A SIGCONT sent from outside is not reported to the supervisor: look for it now and then.
                    let timeout = scheduler.hasTasksInGroupStop ? Self.groupStopPollInterval : nil
                    guard let (tid, stop) = try waitForStop(timeout: timeout) else { continue }
                    try handleUnlessGone(tid, stop)
                }
                continue
            }
            let runner = scheduler.runner!
            let othersWaiting = scheduler.hasOtherWork
            if quietTime == 0 { currentSlice = nextTimeSlice() }
            // An execve is never treated as blocked: other threads of its process die inside it.
            // A thread with a syscall buffer may block in a buffered syscall with the desched
            // signal blocked: checked for after a short while. A thread in user code is
            // preempted at the end of its slice; one asked to stop is given time to.
            let waitingForStop = runner.interruptRequested || runner.stopRequested
            let userTimeout: Int64 = waitingForStop ? 2_000_000_000
                : runner.buffer != nil ? min(50_000_000, max(currentSlice - quietTime, 100_000)) : max(currentSlice - quietTime, 100_000)
            var timeout: Int64? = othersWaiting && !runner.isInExecve ? (scheduler.runnerInSyscall ? 20_000_000 : userTimeout) : nil
            // Soon out of the buffering code; a stop must not cut short a syscall the thread sleeps in.
            if runner.deferredSignal != nil && !waitingForStop && !scheduler.runnerInSyscall { timeout = 1_000_000 }
            let reported = try waitForStop(timeout: timeout)
            guard let (tid, stop) = reported else {
                waitTimeouts += 1
                if runner.deferredSignal != nil && !waitingForStop && !scheduler.runnerInSyscall {
                    stop(runner, preempting: othersWaiting)
                    continue
                }
                if scheduler.runnerInSyscall {
                    try moveIntoKernel(runner)  // a slow syscall: let the others run meanwhile
                    continue
                }
                quietTime += timeout ?? 0
                if runner.buffer != nil && !waitingForStop { interruptIfBlockedInBufferedSyscall(runner) }
                if quietTime >= currentSlice && !runner.interruptRequested && !runner.stopRequested {
                    if currentSlice < Self.isolatedSlice && !options.chaos, try isAlone(runner) {
                        currentSlice = Self.isolatedSlice
                        continue
                    }
                    stop(runner, preempting: true)
                }
                continue
            }
            quietTime = 0
            if tid == runner.tid {
                try handleUnlessGone(tid, stop)
            } else if runner.isInExecve, let other = scheduler.task(tid), other.process === runner.process {
                try handleDuringExec(runner: runner, other: other, stop)
            } else {
                if debugging { reportError(tool: "record", "queued \(tid): \(stop) (runner \(runner.tid))") }
                scheduler.queue(tid, stop)
                // The runner's syscall may wait for the task that just stopped (a pipe between two
                // processes): let it wait in the kernel now rather than after the grace period.
                // Threads of its own process keep the grace period: their syscalls' buffers are
                // not redirected to scratch memory on this path.
                if scheduler.runnerInSyscall, let other = scheduler.task(tid), other.process !== runner.process, !runner.isInExecve {
                    try moveIntoKernel(runner)
                }
            }
        }
        if debugging { reportError(tool: "record", "all tasks ended") }
    }

    /// Resumes a ready task: into the kernel if it is at a syscall entry, otherwise as the runner.
    private func start(_ task: RecordedTask) throws {
        task.eventsInARow = 0
        if task.isAtSyscallEntry {
            try enterSyscall(task)
        } else {
            try resume(task)
            scheduler.setRunner(task, inSyscall: false)
        }
    }

    /// Continues the task that just stopped, or lets another run.
    func proceed(_ task: RecordedTask) throws {
        if task.programTracer != nil {
            scheduler.makeReady(task)  // held there until the program's tracer detaches
        } else if task.isAtSyscallEntry {
            try enterSyscall(task)
        } else if task.eventsInARow >= 32 && scheduler.hasOtherWork {
            scheduler.makeReady(task)  // fairness: a busy thread yields now and then at an event
        } else {
            try resume(task)
            scheduler.setRunner(task, inSyscall: false)
        }
    }

    /// Resumes a task at a syscall entry. A syscall that may wait for another tracee goes into the
    /// kernel with an entry event so the others can run; any other stays the runner for a while.
    private func enterSyscall(_ task: RecordedTask) throws {
        guard let entry = task.pendingEntry else { return }
        task.pendingEntry!.entered = true
        if entry.continuesBufferedCall {
            // It blocked once already; its output goes to the thread's own buffer, so nothing needs redirecting.
            try resume(task)
            if scheduler.hasOtherWork || scheduler.hasOtherThreads(than: task) {
                scheduler.putInKernel(task)
            } else {
                scheduler.setRunner(task, inSyscall: true)
            }
            return
        }
        if entry.patchedSite != nil || entry.madeAgainAfterStop || entry.emulated != nil {  // skipped: it comes straight back
            try resume(task)
            scheduler.setRunner(task, inSyscall: true)
            return
        }
        let blocking = BlockingSyscalls.mayBlock(entry.spec.number, arguments: entry.arguments, tid: task.tid)
        if blocking && (scheduler.hasOtherWork || scheduler.hasOtherThreads(than: task)) {
            try recordEntry(task)
            if scheduler.hasOtherThreads(than: task) {  // only threads of its process could race on the buffers
                task.pendingEntry!.redirections = try ScratchBuffers.redirect(task, entry: entry.registers, number: entry.spec.number,
                                                                             slot: task.scratchSlot)
            }
            try resume(task)
            scheduler.putInKernel(task)
        } else {
            try resume(task)
            scheduler.setRunner(task, inSyscall: true)
        }
    }

    /// Task creation has events of its own in the middle of the call; exec and exit do not wait
    /// for other tracees.
    static let neverMovedIntoKernel: Set<SyscallNumber> = [.clone, .clone3, .fork, .vfork, .execve, .execveat, .exit, .exit_group]

    private func moveIntoKernel(_ task: RecordedTask) throws {
        guard let entry = task.pendingEntry, entry.patchedSite == nil, !entry.madeAgainAfterStop,  // skipped: it cannot wait
              !Self.neverMovedIntoKernel.contains(entry.spec.number) else { return }
        try recordEntry(task)
        scheduler.putInKernel(task)
    }

    private func recordEntry(_ task: RecordedTask) throws {
        guard let entry = task.pendingEntry, !entry.entryRecorded else { return }
        task.pendingEntry!.entryRecorded = true
        try emit(.syscallEntry(SyscallEntryEvent(tid: task.tid, number: entry.spec.number, arguments: entry.arguments,
                                                 entryDigest: entry.registers.digest)))
    }

    func resume(_ task: RecordedTask) throws {
        let signal = task.pendingSignal
        task.pendingSignal = 0
        if task.pendingEntry?.entered != true && !task.stoppedWithoutEvent {
            task.registersAtResume = try task.tracee.registers()
            task.signalsQueuedAtResume = try task.tracee.queuedSignals()
        }
        task.stoppedWithoutEvent = false
        try task.tracee.resume(task.resumeMode, signal: signal)
    }

    // MARK: stops

    let debugging = getenv("RR_SWIFT_DEBUG") != nil

    private func handle(_ tid: Tid, _ stop: Stop) throws {
        if debugging {
            let rip = (try? Tracee(tid: tid).registers()).map { " rip=0x" + hex($0.rip) + " orig_rax=\(Int64(bitPattern: $0.origRax))" } ?? ""
            reportError(tool: "record", "stop \(tid): \(stop) known=\(scheduler.task(tid) != nil)\(rip)")
        }
        guard let task = scheduler.task(tid) else {
            scheduler.rememberEarlyStop(tid, stop)  // a new task's first stop, before its parent's event
            return
        }
        if case .signal(let signal) = stop, signal.stopsByDefault, try task.tracee.isInGroupStop() {
            // The stopping signal was delivered (its event is recorded); the process stops.
            scheduler.stopped(task)
            scheduler.holdInGroupStop(task)
            return
        }
        if stop == .signal(.sigstop), task.stopRequested {
            task.stopRequested = false
            try interrupted(task)
            return
        }
        if stop == .seccomp, task.pendingEntry?.entered == true {
            // The filter runs again after the supervisor changed a syscall's arguments (scratch
            // buffers) and may report the same entry twice: the call goes on as it was.
            try task.tracee.resume(.toSyscall)
            return
        }
        scheduler.stopped(task)
        task.eventsInARow += 1
        stopCount += 1
        switch stop {
        case .signal, .exec, .exited, .killed: break  // signals flush in signalStop; the others have no buffer
        default: try flushSyscallBuffer(task)
        }
        switch stop {
        case .seccomp:
            try syscallEntry(task)
        case .syscall:
            guard let entry = task.tracee.syscallStopIsEntry() else {
                return  // a stale stop of a thread killed meanwhile; its exit stop follows
            }
            if entry { try syscallEntry(task) } else { try syscallExit(task) }
        case .exec:
            try recordExec(task)
        case .taskCreated:
            try taskCreated(task)
            return
        case .exiting:
            task.finalRegisters = try task.tracee.registers()
            if task.tid == task.process.leader && scheduler.hasOtherThreads(than: task) {
                // A main thread's exit waits in the kernel until its other threads are gone.
                try task.tracee.resume(task.resumeMode)
                scheduler.putInKernel(task)
                return
            }
            // Any other thread finishes exiting (clearing its tid word, waking joiners) before
            // another thread runs, as replay will do at its exit event.
        case .signal(let signal):
            if task.awaitingInitialStop && signal == .sigstop {
                task.awaitingInitialStop = false
                if let flags = task.cloneFlagsToRestore { try UntracedClone.restore(task.tracee, flags: flags) }
                scheduler.makeReady(task)
                return
            }
            if try handleDeschedSignal(task, signal) { return }
            task.interruptRequested = false
            if let next = try signalStop(task, signal) {
                scheduler.queue(tid, next)
                return
            }
        case let .exited(_, status), let .killed(_, status):
            task.closeDeschedDescriptor()
            let exit = ExitEvent(tid: tid, waitStatus: status, finalRegisters: task.finalRegisters)
            try emit(.exit(exit))
            if tid == mainTid { mainStatus = exit.shellStatus }
            releaseThreads(tracedBy: tid)
            scheduler.remove(task)
            return
        case .otherEvent(let event):
            throw RRError.unsupportedSyscall("ptrace event \(event)")
        }
        try proceed(task)
    }

    // MARK: exec

    /// Exit events of threads an execve killed; recorded right after the exec event.
    private var exitsDuringExec: [ExitEvent] = []

    /// While a thread is in execve, the kernel kills the process's other threads; they must be
    /// let die (de_thread waits for them). When a non-main thread execs, its exec stop comes
    /// under the main thread's tid.
    private func handleDuringExec(runner: RecordedTask, other: RecordedTask, _ stop: Stop) throws {
        switch stop {
        case .exiting:
            other.finalRegisters = try other.tracee.registers()
            try other.tracee.resume(.toSyscall)
        case let .exited(_, status), let .killed(_, status):
            exitsDuringExec.append(ExitEvent(tid: other.tid, waitStatus: status, finalRegisters: other.finalRegisters))
            scheduler.remove(other)
        case .exec:
            // The old main thread is gone without an exit report; the execing thread takes its tid.
            scheduler.remove(other)
            let formerTid = runner.tid
            runner.tracee = Tracee(tid: other.tid)
            scheduler.rekey(runner, from: formerTid)
            scheduler.setRunner(runner, inSyscall: true)
            try handle(runner.tid, .exec)
        default:
            scheduler.queue(other.tid, stop)
        }
    }

    func recordExec(_ task: RecordedTask) throws {
        let tid = task.tid
        let formerTid = (try? task.tracee.eventMessage()).map { Tid(Int32(truncatingIfNeeded: $0)) }
        task.tracee.forgetAddressSpace()
        task.process.hasScratch = false
        task.process.preload = nil
        task.process.randomInstructionSites = []
        task.process.sharesAddressSpace = false
        task.buffer = nil
        task.flushedBytes = 0
        task.inBlockedBufferedCall = false
        task.closeDeschedDescriptor()
        task.scratchSlot = 0
        task.process.nextScratchSlot = 1
        let registers = try task.tracee.registers()
        let maps = try ProcFiles.maps(of: tid)
        let executable = try storeExecutable(task)
        var interpreter: MappedFile?
        if let base = try ProcFiles.auxv(of: tid)[7], base != 0,  // AT_BASE
           let mapping = maps.first(where: { $0.start == base }) {
            interpreter = try storeInterpreter(task, mapping: mapping, maps: maps)
        }
        guard let stack = maps.first(where: { $0.path == "[stack]" && $0.start <= registers.rsp && registers.rsp < $0.end }) else {
            throw RRError.incompatible("cannot find the initial stack of tid \(tid)")
        }
        let stackBytes = try task.tracee.readMemory(at: registers.rsp, count: Int(stack.end - registers.rsp))
        try VdsoPatcher.patch(task.tracee)
        var exec = ExecEvent(tid: tid, executable: executable, interpreter: interpreter,
                             arguments: try ProcFiles.byteStrings("/proc/\(tid)/cmdline"),
                             environment: try ProcFiles.byteStrings("/proc/\(tid)/environ"),
                             registers: registers, stackBytes: stackBytes)
        let status = try ProcFiles.statusFields(of: tid)
        exec.ignoredSignals = UInt64(status["SigIgn"] ?? "0", radix: 16) ?? 0
        exec.blockedSignals = UInt64(status["SigBlk"] ?? "0", radix: 16) ?? 0
        if let formerTid, formerTid != tid, formerTid.rawValue != 0 { exec.formerTid = formerTid }
        exec.writes = try patchRandomInstructions(task, executable: executable, maps: maps)
        try emit(.exec(exec))
        for exit in exitsDuringExec { try emit(.exit(exit)) }
        exitsDuringExec.removeAll()
        task.pendingEntry = nil  // the execve's own exit stop follows; it is part of this event
    }

    // MARK: task creation

    private func taskCreated(_ task: RecordedTask) throws {
        guard let entry = task.pendingEntry else { throw RRError.unsupportedSyscall("task creation outside a syscall") }
        let child = Tid(Int32(truncatingIfNeeded: try task.tracee.eventMessage()))
        try emit(.taskCreated(TaskCreatedEvent(tid: task.tid, child: child, number: entry.spec.number,
                                               arguments: entry.arguments, entryDigest: entry.registers.digest)))
        task.pendingEntry!.entryRecorded = true
        let number = entry.spec.number
        let flags = number == .clone ? entry.arguments[0] : 0
        let sharesThreadGroup = flags & 0x10000 != 0  // CLONE_THREAD
        let process: RecordedProcess
        if sharesThreadGroup {
            process = task.process
        } else {
            // A new process gets a copy of the descriptor table (CLONE_FILES sharing is approximated).
            process = RecordedProcess(leader: child, outputs: task.process.outputs)
            process.hasScratch = task.process.hasScratch  // a copy (or, for vfork, the same) address space
            process.randomInstructionSites = task.process.randomInstructionSites
            if flags & 0x100 == 0 && number != .vfork { process.preload = task.process.preload?.copy() }  // not CLONE_VM
            let cloneFlags = SyscallBufferLayout.cloneFlags(number, arguments: entry.arguments)
            if SyscallBufferLayout.sharesMemoryOnly(cloneFlags: cloneFlags) {
                process.sharesAddressSpace = true
                if cloneFlags & 0x4000 == 0 { task.process.sharesAddressSpace = true }  // not CLONE_VFORK: both run
            }
        }
        let created = RecordedTask(tracee: Tracee(tid: child), process: process, awaitingInitialStop: true)
        created.seccompActive = task.seccompActive
        if number == .clone && flags & UntracedClone.flag != 0 { created.cloneFlagsToRestore = flags }
        try inheritSyscallBuffering(parent: task, child: created, cloneFlags: SyscallBufferLayout.cloneFlags(number, arguments: entry.arguments),
                                    sharesThreadGroup: sharesThreadGroup)
        if sharesThreadGroup {
            created.scratchSlot = process.nextScratchSlot
            process.nextScratchSlot += 1
        }
        scheduler.add(created)
        if let early = scheduler.takeEarlyStop(child) {
            if early == .signal(.sigstop) {
                created.awaitingInitialStop = false
                if let flags = created.cloneFlagsToRestore { try UntracedClone.restore(created.tracee, flags: flags) }
                scheduler.makeReady(created)
            } else {
                scheduler.queue(child, early)
            }
        }
        // The parent's syscall now runs on; a vfork parent waits in the kernel for its child.
        try resume(task)
        if number == .vfork || flags & 0x4000 != 0 {  // CLONE_VFORK
            scheduler.putInKernel(task)
        } else {
            scheduler.setRunner(task, inSyscall: true)
        }
    }
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

func readLink(_ path: String) throws -> String {
    var buffer = [CChar](repeating: 0, count: 4097)
    let n = readlink(path, &buffer, 4096)
    if n < 0 { throw RRError.system(call: "readlink", errno: errno, detail: path) }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
