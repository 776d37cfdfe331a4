import RRCore
import RRPtrace

/// Which syscalls may wait for another tracee (a pipe writer, a child's exit, a futex wake).
/// Their thread is let into the kernel while others run, so recording cannot deadlock on them.
/// Other syscalls get a short grace period before the scheduler treats them the same way.
enum BlockingSyscalls {
    static let always: Set<SyscallNumber> = [
        .wait4, .waitid, .poll, .ppoll, .select, .pselect6, .epoll_wait, .epoll_pwait, .nanosleep,
        .clock_nanosleep, .pause, .rt_sigsuspend, .rt_sigtimedwait, .accept, .accept4, .vfork, .flock,
    ]
    /// Syscalls that block only on pipes, sockets and terminals.
    static let onStreams: Set<SyscallNumber> = [
        .read, .readv, .write, .writev, .recvfrom, .recvmsg, .recvmmsg, .sendto, .sendmsg, .sendmmsg, .connect,
    ]

    static func mayBlock(_ number: SyscallNumber, arguments: [UInt64], tid: Tid) -> Bool {
        if always.contains(number) { return true }
        if number == .futex { return [0, 6, 9, 11, 13].contains(arguments[1] & 0x7f) }  // the WAIT and LOCK_PI operations
        guard onStreams.contains(number) else { return false }
        guard let target = try? readLink("/proc/\(tid)/fd/\(arguments[0])") else { return false }
        return target.hasPrefix("pipe:") || target.hasPrefix("socket:") || target.hasPrefix("/dev/pts") || target.hasPrefix("/dev/tty")
    }
}
