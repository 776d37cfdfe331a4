import RRCore
import RRPtrace

/// What the recorder keeps per process (shared by its threads): the output-stream table.
final class RecordedProcess {
    var outputs: OutputStreams
    /// The main thread's tid (the process id).
    var leader: Tid
    /// Whether this address space has the scratch area (reset by exec; inherited by fork).
    var hasScratch = false
    /// The next thread's scratch slot.
    var nextScratchSlot = 1
    /// Where the preload library keeps what syscall-site patching needs (nil until it said so,
    /// and again after an exec).
    var preload: PreloadLibrary?
    /// Whether another process may run in this address space (a clone with CLONE_VM but not
    /// CLONE_THREAD); reset by exec. A vfork parent is not marked: it waits in the kernel.
    var sharesAddressSpace = false
    /// Where RDRAND and RDSEED were patched into traps in this address space (inherited by fork, reset by exec).
    var randomInstructionSites: Set<UInt64> = []
    init(leader: Tid, outputs: OutputStreams = OutputStreams()) {
        self.leader = leader
        self.outputs = outputs
    }
}

/// One tracee thread as the recorder sees it.
final class RecordedTask {
    /// Replaced when the thread execs from a non-main thread and takes the main thread's tid.
    var tracee: Tracee
    var process: RecordedProcess
    var tid: Tid { tracee.tid }
    /// The syscall whose entry was seen and whose exit is awaited.
    var pendingEntry: Recorder.PendingSyscall?
    /// The signal to deliver when the task is next resumed (set at a signal-delivery-stop).
    var pendingSignal: Int32 = 0
    /// Registers when the task was last resumed, and the signals queued for it then, to tell
    /// whether it ran user code since (`Recorder.ranNoUserCodeSinceResume`).
    var registersAtResume: Registers?
    var signalsQueuedAtResume: UInt64 = 0
    /// This stop made no event (a signal dropped or deferred): resumed from it, the thread goes
    /// on from its previous event's point as far as replay knows, so `registersAtResume` stays.
    var stoppedWithoutEvent = false
    var finalRegisters: Registers?
    /// A new task's first stop (SIGSTOP) has not arrived yet; it cannot run until it does.
    var awaitingInitialStop: Bool
    /// The flags of the clone that made this task, to put back in rdi at its first stop (see UntracedClone).
    var cloneFlagsToRestore: UInt64?
    /// Events recorded for this task since another task last ran (for fair switching).
    var eventsInARow = 0
    /// This thread's slice of its process's scratch area.
    var scratchSlot = 0
    /// Whether a seccomp filter sends this thread's syscalls to the supervisor (then it runs
    /// with PTRACE_CONT and stops only at the syscalls the filter does not let through).
    var seccompActive = false
    /// The thread's syscall buffer (from the preload library), and how much of it was sent.
    var buffer: RemoteAddress?
    var flushedBytes: UInt32 = 0
    /// The supervisor's copy of the thread's desched perf event, to stop it counting once the
    /// thread has blocked.
    var deschedDescriptor: Int32?
    /// A buffered syscall blocked and goes on as a traced syscall from the page's traced slot;
    /// it is part of the buffer's record, not an event of its own.
    var inBlockedBufferedCall = false
    /// The number of that syscall: a traced call from the slot with another number (other than
    /// the kernel's restart_syscall of it) is the program's own (a signal handler's, or one made
    /// after the blocked call ended in EINTR).
    var blockedBufferedCallNumber: UInt64 = 0
    /// Where a signal stop was last flushed as "stopped after the next buffered syscall" (rip
    /// and the buffer's recorded bytes); until the buffer moves on, a stop there again is the
    /// same call, come back from a signal handler.
    var flaggedBufferedCallStop: (rip: UInt64, recorded: UInt32)?
    /// The supervisor sent SIGSTOP to get the thread out of a buffered syscall that blocked
    /// without a desched signal (the thread had it blocked).
    var interruptRequested = false
    /// The supervisor sent the thread a SIGSTOP to stop it where it is (not delivered), to end
    /// its time slice (`preemptionRequested`) or to deliver a deferred signal.
    var stopRequested = false
    var preemptionRequested = false
    /// A signal that arrived in the syscall-buffering code, held back until the thread is out of
    /// it; then raised again (`raisedAgain`) and given back its siginfo at its delivery stop.
    var deferredSignal: (signal: SignalNumber, siginfo: [UInt8])?
    var raisedAgain: (signal: SignalNumber, siginfo: [UInt8])?
    /// The event count when a signal of the thread's own code was deferred (statistics).
    var deferredAtEvent: UInt64?
    /// The recorded thread that attached to this one with ptrace (ProgramTracer): this thread
    /// is held, never scheduled, until it detaches. Its attach stop is reported to the tracer's
    /// wait4 once.
    var programTracer: Tid?
    var hasStopToReport = false

    init(tracee: Tracee, process: RecordedProcess, awaitingInitialStop: Bool) {
        self.tracee = tracee
        self.process = process
        self.awaitingInitialStop = awaitingInitialStop
    }

    /// How to resume the task: to the next syscall stop, or (under the seccomp filter, outside a
    /// syscall) to the next stop the filter or a signal causes.
    var resumeMode: Tracee.Resume { seccompActive && pendingEntry == nil ? .toSignal : .toSyscall }

    /// Whether the task is stopped at a syscall entry (its next resume enters the kernel).
    var isAtSyscallEntry: Bool { pendingEntry != nil && pendingEntry?.entered == false }

    /// Inside an execve: the kernel is killing this process's other threads, which must be let die.
    var isInExecve: Bool { pendingEntry?.entered == true && pendingEntry?.spec.number == .execve }
}
