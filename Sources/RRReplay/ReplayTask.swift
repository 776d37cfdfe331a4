import RRCore
import RRPtrace

/// One replayed thread: its tracee, the tid it had when recorded, and where it is stopped.
final class ReplayTask {
    /// Both change when a non-main thread execs and takes the main thread's tid.
    var tracee: Tracee
    var recordedTid: Tid
    /// The wait status of a task that already died (killed by another thread's execve).
    var deathStatus: Int32?

    enum Position {
        /// A new task at its first SIGSTOP (a signal-delivery-stop that is suppressed).
        case initial
        /// Stopped at a syscall entry that was already checked against the recording.
        case atSyscallEntry(Registers)
        /// Resumed into a syscall that runs for real (task creation); its exit stop is awaited.
        case inSyscall(entry: Registers)
        /// At a signal-delivery-stop; `pendingSignal` is delivered when it resumes.
        case atSignal
        /// At a recorded point in user code, found with a breakpoint: a SIGTRAP signal-delivery-stop
        /// (suppressed when it resumes; a signal can be delivered from it directly).
        case atBreakpoint
        /// Any other stop (a syscall exit, an exec, an emulated instruction).
        case stopped
        /// Exiting: it entered exit/exit_group or was killed with its thread group.
        case exiting
    }

    var position: Position
    var pendingSignal: Int32 = 0
    /// An injected -ERESTART* result. When the kernel finds no signal to deliver it restarts
    /// the syscall itself; replay injected the result without a pending signal, so it restarts
    /// the syscall by hand unless the next event delivers a signal to this task.
    var restartableSyscall: (number: SyscallNumber, result: Int64)?
    /// The last syscall replayed on this task (for the temporary signal masks of pselect6 & co).
    var lastSyscall: SyscallEvent?
    /// The thread's syscall buffer, as the preload library registered it.
    var buffer: RemoteAddress?
    /// The library's count of vfork children (in the process's memory).
    var vforkChildren: RemoteAddress?
    /// Records refilled into the buffer that the thread has yet to consume: checked (and the
    /// buffer emptied, if the recording did) at the thread's next stop.
    var pendingFlush: SyscallBufferFlush?
    /// Threads of this one's process that its exit_group killed when recorded, to be reaped when
    /// it runs in replay.
    var groupMembersToReap: [ReplayTask] = []
    /// What set_tid_address and set_robust_list (which replay runs for real) gave the kernel:
    /// a fork does not pass them on, so a checkpoint's copy gets them again.
    var clearChildTid: UInt64 = 0
    var robustList: (head: UInt64, length: UInt64)?

    init(tracee: Tracee, recordedTid: Tid, position: Position) {
        self.tracee = tracee
        self.recordedTid = recordedTid
        self.position = position
    }

    /// This task's replay state with another tracee: a checkpoint's copy of the process.
    func copy(tracee: Tracee) -> ReplayTask {
        let copy = ReplayTask(tracee: tracee, recordedTid: recordedTid, position: position)
        copy.deathStatus = deathStatus
        copy.pendingSignal = pendingSignal
        copy.restartableSyscall = restartableSyscall
        copy.lastSyscall = lastSyscall
        copy.buffer = buffer
        copy.vforkChildren = vforkChildren
        copy.pendingFlush = pendingFlush
        copy.clearChildTid = clearChildTid
        copy.robustList = robustList
        return copy
    }

    var isAtSyscallEntry: Bool {
        if case .atSyscallEntry = position { return true }
        return false
    }
}
