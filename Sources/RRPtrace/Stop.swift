import CRRShims
import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// Why waitpid reported a tracee: the kinds of ptrace stop and the two ways to end.
public enum Stop: Equatable, Sendable {
    case exited(code: Int32, rawStatus: Int32)
    case killed(signal: SignalNumber, rawStatus: Int32)
    /// Syscall entry or exit (PTRACE_O_TRACESYSGOOD marks them with SIGTRAP | 0x80).
    case syscall
    /// PTRACE_EVENT_FORK, _VFORK or _CLONE: the tracee created a task (its tid is the event message).
    case taskCreated
    /// PTRACE_EVENT_EXEC.
    case exec
    /// PTRACE_EVENT_EXIT: the thread is about to exit; its registers are still readable.
    case exiting
    /// PTRACE_EVENT_SECCOMP: a seccomp filter returned SECCOMP_RET_TRACE at a syscall's entry
    /// (this stands in for the syscall-entry stop of a thread resumed with PTRACE_CONT).
    case seccomp
    /// A signal is about to be delivered (signal-delivery-stop), or a group stop.
    case signal(SignalNumber)
    case otherEvent(Int32)

    init(rawStatus status: Int32) {
        if rr_shim_wifexited(status) != 0 {
            self = .exited(code: rr_shim_wexitstatus(status), rawStatus: status)
        } else if rr_shim_wifsignaled(status) != 0 {
            self = .killed(signal: SignalNumber(rr_shim_wtermsig(status)), rawStatus: status)
        } else {
            let signal = rr_shim_wstopsig(status)
            let event = rr_shim_ptrace_event(status)
            switch (signal, event) {
            case (SIGTRAP | 0x80, _): self = .syscall
            case (SIGTRAP, 1), (SIGTRAP, 2), (SIGTRAP, 3): self = .taskCreated
            case (SIGTRAP, 4): self = .exec
            case (SIGTRAP, 6): self = .exiting
            case (SIGTRAP, 7): self = .seccomp
            case (_, 0): self = .signal(SignalNumber(signal))
            default: self = .otherEvent(event)
            }
        }
    }

    /// Waits up to `timeout` nanoseconds for the tracee (or any, with -1); nil if none reported.
    /// The calling thread must have SIGCHLD blocked (`Spawner.prepareSupervisor`).
    public static func wait(for tid: Tid, timeout: Int64) throws -> (Tid, Stop)? {
        var status: Int32 = 0
        let result = rr_shim_wait_timeout(tid.rawValue, &status, timeout)
        if result.error != 0 { throw RRError.system(call: "waitpid", errno: result.error, detail: "tid \(tid)") }
        return result.value == 0 ? nil : (Tid(Int32(result.value)), Stop(rawStatus: status))
    }

    /// Waits for the given tracee (or any, with -1) to stop or end.
    public static func wait(for tid: Tid) throws -> (Tid, Stop) {
        var status: Int32 = 0
        while true {
            let result = rr_shim_wait(tid.rawValue, &status, 0)
            if result.error == EINTR { continue }
            if result.error != 0 { throw RRError.system(call: "waitpid", errno: result.error, detail: "tid \(tid)") }
            return (Tid(Int32(result.value)), Stop(rawStatus: status))
        }
    }
}
