// The entries of the syscall model (see SyscallModel.swift). Struct sizes are the x86-64 kernel ABI's.

#if canImport(Glibc)
import Glibc
#endif

private let statSize = 144, statxSize = 256, statfsSize = 120, timespecSize = 16, timevalSize = 16
private let utsnameSize = 390, sysinfoSize = 112, rlimitSize = 16, stackSize = 24
private let siginfoSize = 128, itimervalSize = 32, itimerspecSize = 32, tmsSize = 32, termiosSize = 36
private let epollEventSize = 12, pollfdSize = 8, msghdrSize = 56, mmsghdrSize = 64, flockSize = 32
private let timerAbsoluteTime: UInt64 = 1  // TIMER_ABSTIME

/// A sleep a signal cut short: -EINTR, or -ERESTART_RESTARTBLOCK (516) as ptrace sees it.
/// A result that means a signal interrupted the call: -EINTR, or one of the kernel's restart codes
/// as ptrace sees them at syscall exit (ERESTARTSYS 512, ERESTARTNOINTR 513, ERESTARTNOHAND 514,
/// ERESTART_RESTARTBLOCK 516; 515 is ENOIOCTLCMD, never returned to user space).
private func interrupted(_ result: Int64) -> Bool {
    result == -Int64(EINTR) || (-516 ... -512).contains(result) && result != -515
}

extension SyscallModel {
    /// sizeof(struct rusage): wait4, waitid and getrusage write one.
    public static let rusageSize = 144

    /// Syscalls that write no tracee memory and that replay does not execute.
    static let emulatedWithoutEffects: [SyscallNumber] = [
        .write, .pwrite64, .writev, .pwritev, .pwritev2, .close, .close_range, .lseek, .open, .openat,
        .openat2, .creat, .access, .faccessat, .faccessat2, .mkdir, .mkdirat, .rmdir, .unlink, .unlinkat,
        .rename, .renameat, .renameat2, .link, .linkat, .symlink, .symlinkat, .chmod, .fchmod, .fchmodat,
        .chown, .fchown, .lchown, .fchownat, .truncate, .ftruncate, .fsync, .fdatasync, .sync, .syncfs,
        .utimensat, .utimes, .utime, .futimesat, .chdir, .fchdir, .umask, .dup, .dup2, .dup3, .flock,
        .getpid, .getppid, .gettid, .getuid, .geteuid, .getgid, .getegid, .getpgrp, .getpgid, .getsid,
        .setpgid, .setsid, .setuid, .setgid, .setreuid, .setregid, .setresuid, .setresgid, .setgroups,
        .kill, .tkill, .tgkill, .sched_yield, .sched_getscheduler, .sched_setaffinity, .sched_setscheduler,
        .sched_setparam, .sched_get_priority_max, .sched_get_priority_min, .getpriority, .setpriority,
        .socket, .connect, .bind, .listen, .shutdown, .sendto, .sendmsg, .setsockopt, .fadvise64,
        .fallocate, .memfd_create, .eventfd, .eventfd2, .epoll_create, .epoll_create1, .epoll_ctl,
        .inotify_init, .inotify_init1, .inotify_add_watch, .inotify_rm_watch, .timerfd_create,
        .signalfd, .signalfd4, .setrlimit, .alarm, .pause, .rt_sigsuspend, .msync, .mlock, .munlock,
        .mlockall, .munlockall, .membarrier, .readahead, .mknod, .mknodat, .ioprio_get, .ioprio_set,
        .sync_file_range, .personality, .setfsuid, .setfsgid, .tee, .vmsplice, .restart_syscall,
        .setxattr, .lsetxattr, .fsetxattr, .removexattr, .lremovexattr, .fremovexattr,
        // Signals queued with data: like kill, the signal is recorded where it is delivered.
        .rt_sigqueueinfo, .rt_tgsigqueueinfo, .timer_getoverrun, .timer_delete,
    ]

    static let specs: [SyscallSpec] = [
        // Address space, thread and signal state: executed for real in replay.
        SyscallSpec(.brk, .execute), SyscallSpec(.mmap, .execute), SyscallSpec(.munmap, .execute),
        SyscallSpec(.mprotect, .execute), SyscallSpec(.mremap, .execute), SyscallSpec(.madvise, .execute),
        SyscallSpec(.arch_prctl, .execute), SyscallSpec(.set_tid_address, .executeWithRecordedResult),
        SyscallSpec(.set_robust_list, .execute), SyscallSpec(.rt_sigaction, .execute),
        SyscallSpec(.rt_sigprocmask, .execute), SyscallSpec(.sigaltstack, .execute),
        SyscallSpec(.rt_sigreturn, .execute), SyscallSpec(.exit, .execute),
        SyscallSpec(.exit_group, .execute), SyscallSpec(.execve, .execute),
        SyscallSpec(.rseq, .refuse),
        // Memory protection keys: V8 (node) tries them and goes on without when they are missing.
        SyscallSpec(.pkey_alloc, .refuse),
        // Syscall buffering's set-up (Sources/Preload): the filter and the desched event exist only
        // while recording; the library's calls to the supervisor get -ENOSYS from the kernel.
        SyscallSpec(.seccomp, .emulate), SyscallSpec(.perf_event_open, .emulate),
        SyscallSpec(SyscallBufferLayout.initProcessCall, .emulate), SyscallSpec(SyscallBufferLayout.initThreadCall, .emulate),
        // Task creation: executed for real; the result (the child's tid) differs, so the recorded one is injected.
        SyscallSpec(.clone, .executeWithRecordedResult), SyscallSpec(.fork, .executeWithRecordedResult),
        SyscallSpec(.vfork, .executeWithRecordedResult),
        // clone3 is refused so that glibc falls back to clone, whose arguments are all in registers.
        SyscallSpec(.clone3, .refuse),

        // Reads into buffers.
        SyscallSpec(.read, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.pread64, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.readv, .emulate, [.iovec(argument: 1, countArgument: 2)]),
        SyscallSpec(.preadv, .emulate, [.iovec(argument: 1, countArgument: 2)]),
        SyscallSpec(.preadv2, .emulate, [.iovec(argument: 1, countArgument: 2)]),
        SyscallSpec(.getdents64, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.getdents, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.readlink, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.readlinkat, .emulate, [.resultBytes(argument: 2)]),
        SyscallSpec(.getcwd, .emulate, [.resultBytes(argument: 0)]),
        SyscallSpec(.getrandom, .emulate, [.resultBytes(argument: 0)]),
        SyscallSpec(.getxattr, .emulate, [.resultBytes(argument: 2)]),
        SyscallSpec(.lgetxattr, .emulate, [.resultBytes(argument: 2)]),
        SyscallSpec(.fgetxattr, .emulate, [.resultBytes(argument: 2)]),
        SyscallSpec(.listxattr, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.llistxattr, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.flistxattr, .emulate, [.resultBytes(argument: 1)]),
        SyscallSpec(.sched_getaffinity, .emulate, [.resultBytes(argument: 2)]),

        // Fixed-size structures.
        SyscallSpec(.stat, .emulate, [.fixed(argument: 1, size: statSize)]),
        SyscallSpec(.lstat, .emulate, [.fixed(argument: 1, size: statSize)]),
        SyscallSpec(.fstat, .emulate, [.fixed(argument: 1, size: statSize)]),
        SyscallSpec(.newfstatat, .emulate, [.fixed(argument: 2, size: statSize)]),
        SyscallSpec(.statx, .emulate, [.fixed(argument: 4, size: statxSize)]),
        SyscallSpec(.statfs, .emulate, [.fixed(argument: 1, size: statfsSize)]),
        SyscallSpec(.fstatfs, .emulate, [.fixed(argument: 1, size: statfsSize)]),
        SyscallSpec(.uname, .emulate, [.fixed(argument: 0, size: utsnameSize)]),
        SyscallSpec(.sysinfo, .emulate, [.fixed(argument: 0, size: sysinfoSize)]),
        SyscallSpec(.times, .emulate, [.fixed(argument: 0, size: tmsSize)]),
        SyscallSpec(.getrusage, .emulate, [.fixed(argument: 1, size: rusageSize)]),
        SyscallSpec(.gettimeofday, .emulate, [.fixed(argument: 0, size: timevalSize), .fixed(argument: 1, size: 8)]),
        SyscallSpec(.time, .emulate, [.fixed(argument: 0, size: 8)]),
        SyscallSpec(.clock_gettime, .emulate, [.fixed(argument: 1, size: timespecSize)]),
        SyscallSpec(.clock_getres, .emulate, [.fixed(argument: 1, size: timespecSize)]),
        // The remaining time is written only when a signal interrupts the sleep (-EINTR, or
        // -ERESTART_RESTARTBLOCK as ptrace sees it), never for an absolute clock_nanosleep.
        SyscallSpec(.clock_nanosleep, .emulate, [.sized(argument: 3) { args, result in
            args[1] & timerAbsoluteTime == 0 && interrupted(result) ? timespecSize : 0 }], writesOnFailure: true),
        SyscallSpec(.nanosleep, .emulate, [.sized(argument: 1) { _, result in interrupted(result) ? timespecSize : 0 }],
                    writesOnFailure: true),
        SyscallSpec(.getrlimit, .emulate, [.fixed(argument: 1, size: rlimitSize)]),
        SyscallSpec(.prlimit64, .emulate, [.fixed(argument: 3, size: rlimitSize)]),
        SyscallSpec(.pipe, .emulate, [.fixed(argument: 0, size: 8)]),
        SyscallSpec(.pipe2, .emulate, [.fixed(argument: 0, size: 8)]),
        SyscallSpec(.socketpair, .emulate, [.fixed(argument: 3, size: 8)]),
        SyscallSpec(.getresuid, .emulate, (0..<3).map { .fixed(argument: $0, size: 4) }),
        SyscallSpec(.getresgid, .emulate, (0..<3).map { .fixed(argument: $0, size: 4) }),
        SyscallSpec(.getgroups, .emulate, [.sized(argument: 1) { _, result in Int(result) * 4 }]),
        SyscallSpec(.sched_getparam, .emulate, [.fixed(argument: 1, size: 4)]),
        SyscallSpec(.getcpu, .emulate, [.fixed(argument: 0, size: 4), .fixed(argument: 1, size: 4)]),
        SyscallSpec(.capget, .emulate, [.fixed(argument: 0, size: 8), .fixed(argument: 1, size: 24)], writesOnFailure: true),
        SyscallSpec(.get_robust_list, .emulate, [.fixed(argument: 1, size: 8), .fixed(argument: 2, size: 8)]),
        SyscallSpec(.getitimer, .emulate, [.fixed(argument: 1, size: itimervalSize)]),
        SyscallSpec(.setitimer, .emulate, [.fixed(argument: 2, size: itimervalSize)]),
        // POSIX timers: the kernel's timer id is an int. A timer's signal arrives like any
        // asynchronous signal; SIGEV_NONE timers send none.
        SyscallSpec(.timer_create, .emulate, [.fixed(argument: 2, size: 4)]),
        SyscallSpec(.timer_settime, .emulate, [.fixed(argument: 3, size: itimerspecSize)]),
        SyscallSpec(.timer_gettime, .emulate, [.fixed(argument: 1, size: itimerspecSize)]),
        SyscallSpec(.timerfd_settime, .emulate, [.fixed(argument: 3, size: itimerspecSize)]),
        SyscallSpec(.timerfd_gettime, .emulate, [.fixed(argument: 1, size: itimerspecSize)]),
        SyscallSpec(.rt_sigpending, .emulate, [.sized(argument: 0) { args, _ in min(Int(clamping: args[1]), 8) }]),
        SyscallSpec(.rt_sigtimedwait, .emulate, [.fixed(argument: 1, size: siginfoSize)]),
        // A WNOHANG wait4 that finds no child ready (result 0) writes neither status nor rusage.
        SyscallSpec(.wait4, .emulate, [.sized(argument: 1) { _, result in result > 0 ? 4 : 0 },
                                       .sized(argument: 3) { _, result in result > 0 ? rusageSize : 0 }]),
        SyscallSpec(.waitid, .emulate, [.fixed(argument: 2, size: siginfoSize), .fixed(argument: 4, size: rusageSize)]),
        SyscallSpec(.mincore, .emulate, [.sized(argument: 2) { args, _ in Int(clamping: (args[1] / 4096) + (args[1] % 4096 == 0 ? 0 : 1)) }]),
        SyscallSpec(.sendfile, .emulate, [.fixed(argument: 2, size: 8)]),
        SyscallSpec(.copy_file_range, .emulate, [.fixed(argument: 1, size: 8), .fixed(argument: 3, size: 8)]),
        SyscallSpec(.splice, .emulate, [.fixed(argument: 1, size: 8), .fixed(argument: 3, size: 8)]),

        // Polling: the kernel writes back revents and the remaining timeout.
        // nfds is an unsigned int for the kernel: only the low 32 bits count.
        // A signal does not stop the kernel from writing: poll's revents and the remaining
        // timeout of ppoll, select and pselect6 are written back when it interrupts them too
        // (glibc's select converts that remaining time back into the caller's timeval).
        SyscallSpec(.poll, .emulate, [.sized(argument: 0) { args, result in
            result >= 0 || interrupted(result) ? Int(UInt32(truncatingIfNeeded: args[1])) * pollfdSize : 0 }],
                    writesOnFailure: true),
        SyscallSpec(.ppoll, .emulate, [.sized(argument: 0) { args, result in
            result >= 0 || interrupted(result) ? Int(UInt32(truncatingIfNeeded: args[1])) * pollfdSize : 0 },
                                       remainingTimeout(argument: 2, size: timespecSize)], writesOnFailure: true),
        SyscallSpec(.select, .emulate, fdSetEffects + [remainingTimeout(argument: 4, size: timevalSize)], writesOnFailure: true),
        SyscallSpec(.pselect6, .emulate, fdSetEffects + [remainingTimeout(argument: 4, size: timespecSize)],
                    writesOnFailure: true),
        SyscallSpec(.epoll_wait, .emulate, [.sized(argument: 1) { _, result in Int(result) * epollEventSize }]),
        SyscallSpec(.epoll_pwait, .emulate, [.sized(argument: 1) { _, result in Int(result) * epollEventSize }]),

        // Sockets.
        SyscallSpec(.recvfrom, .emulate, [.resultBytes(argument: 1), .socketAddress(argument: 4, lengthArgument: 5)]),
        SyscallSpec(.recvmsg, .emulate, [.custom(receivedMessageRanges)]),
        SyscallSpec(.recvmmsg, .emulate, [.custom(receivedMessagesRanges), .fixed(argument: 4, size: timespecSize)]),
        SyscallSpec(.sendmmsg, .emulate, [.custom(sentMessagesRanges)]),
        SyscallSpec(.getsockopt, .emulate, [.socketAddress(argument: 3, lengthArgument: 4)]),
        SyscallSpec(.getsockname, .emulate, [.socketAddress(argument: 1, lengthArgument: 2)]),
        SyscallSpec(.getpeername, .emulate, [.socketAddress(argument: 1, lengthArgument: 2)]),
        SyscallSpec(.accept, .emulate, [.socketAddress(argument: 1, lengthArgument: 2)]),
        SyscallSpec(.accept4, .emulate, [.socketAddress(argument: 1, lengthArgument: 2)]),

        // Multiplexed calls: each operation is checked at entry.
        SyscallSpec(.ioctl, .emulate, [.custom(ioctlRanges)], validate: validateIoctl, unsupportedOperationError: ENOTTY),
        SyscallSpec(.fcntl, .emulate, [.custom(fcntlRanges)], validate: validateFcntl, unsupportedOperationError: EINVAL),
        SyscallSpec(.prctl, .emulate, [.custom(prctlRanges)], validate: validatePrctl, unsupportedOperationError: EINVAL),
        SyscallSpec(.futex, .emulate, [.custom(futexRanges)], validate: validateFutex),
        // Never run in the kernel (the supervisor is the tracer): the recorder emulates the
        // requests ProgramPtraceRequest lists and records what they wrote.
        SyscallSpec(.ptrace, .emulate, validate: ProgramPtraceRequest.validate),
    ]

    /// select's three fd sets, as far as the kernel writes them back: nfds is an int for the
    /// kernel, and it stops at the end of the process's descriptor table (a program asking for
    /// 2^31 descriptors gets a few words written, and so do we read).
    /// The timeout a polling call writes back: after it returns, or when a signal interrupts it.
    private static func remainingTimeout(argument: Int, size: Int) -> MemoryEffect {
        .sized(argument: argument) { _, result in result >= 0 || interrupted(result) ? size : 0 }
    }

    /// The descriptor sets select writes back; on failure (a signal included) it writes none.
    private static let fdSetEffects: [MemoryEffect] = [.custom { context in
        guard context.result >= 0 else { return [] }
        let requested = Int(Int32(truncatingIfNeeded: context.arguments[0]))
        let table = context.memory.descriptorTableSize() ?? maximumDescriptors
        let bytes = (min(max(requested, 0), table, maximumDescriptors) + 63) / 64 * 8
        return (1...3).map { MemoryRange(address: context.arguments[$0], length: bytes) }
    }]

    /// The kernel's ceiling on any descriptor table (fs.nr_open's largest value).
    static let maximumDescriptors = 1 << 30

    @Sendable private static func receivedMessageRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        try messageRanges(header: context.arguments[1], received: Int(context.result), memory: context.memory)
    }

    /// recvmmsg: for each message received (the result counts them), its msghdr and what it
    /// points at, as for recvmsg, and its msg_len, the bytes received, which follows the msghdr
    /// in the array's struct mmsghdr. vlen is an unsigned int, and the kernel caps it at UIO_MAXIOV.
    @Sendable private static func receivedMessagesRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        let vector = context.arguments[1], memory = context.memory
        let count = min(Int(clamping: context.result), Int(UInt32(truncatingIfNeeded: context.arguments[2])), SyscallSpec.maximumIovecs)
        var ranges: [MemoryRange] = []
        for index in 0..<max(count, 0) {
            let header = vector &+ UInt64(index * mmsghdrSize)
            let received = try memory.readUInt32(at: header + UInt64(msghdrSize))
            ranges += try messageRanges(header: header, received: Int(received), memory: memory)
            ranges.append(MemoryRange(address: header + UInt64(msghdrSize), length: 4))
        }
        return ranges
    }

    /// sendmmsg writes only each sent message's msg_len.
    @Sendable private static func sentMessagesRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        let count = min(Int(clamping: context.result), Int(UInt32(truncatingIfNeeded: context.arguments[2])), SyscallSpec.maximumIovecs)
        return (0..<max(count, 0)).map {
            MemoryRange(address: context.arguments[1] &+ UInt64($0 * mmsghdrSize + msghdrSize), length: 4)
        }
    }

    /// What recvmsg writes through one msghdr that received `received` bytes.
    private static func messageRanges(header: UInt64, received: Int, memory: TraceeMemoryReader) throws -> [MemoryRange] {
        var ranges = [MemoryRange(address: header, length: msghdrSize)]
        // The kernel stores the address's full length, which may exceed what it copied (at most
        // a sockaddr_storage), and the control bytes it wrote.
        let name = try memory.readWord(at: header), nameLength = try memory.readUInt32(at: header + 8)
        if name != 0 { ranges.append(MemoryRange(address: name, length: Int(min(nameLength, 128)))) }
        ranges += try SyscallSpec.scatter(iovecs: try memory.readWord(at: header + 16),
                                          count: Int(clamping: try memory.readWord(at: header + 24)),
                                          total: received, memory: memory)
        let control = try memory.readWord(at: header + 32), controlLength = try memory.readWord(at: header + 40)
        if control != 0 { ranges.append(MemoryRange(address: control, length: Int(clamping: controlLength))) }
        return ranges
    }

    /// ioctl requests the model knows, with the bytes each writes at its third argument.
    static let ioctlWrites: [UInt64: Int] = [
        0x5401: termiosSize,  // TCGETS
        0x5402: 0, 0x5403: 0, 0x5404: 0,  // TCSETS, TCSETSW, TCSETSF
        0x540F: 4,  // TIOCGPGRP
        0x5410: 0,  // TIOCSPGRP
        0x5411: 4,  // TIOCOUTQ
        0x5413: 8,  // TIOCGWINSZ
        0x5414: 0,  // TIOCSWINSZ
        0x541B: 4,  // FIONREAD
        0x5421: 0,  // FIONBIO
        0x5450: 0, 0x5451: 0,  // FIONCLEX, FIOCLEX
        0x5452: 0,  // FIOASYNC
        0x8004_5430: 4,  // TIOCGPTN (ptsname, grantpt)
        0x4004_5431: 0,  // TIOCSPTLCK (unlockpt)
        0x802c_542a: 44,  // TCGETS2
        0x8008_6601: 4,  // FS_IOC_GETFLAGS
        0x4004_9409: 0,  // FICLONE (cp tries a reflink copy first)
    ]

    @Sendable static func validateIoctl(_ args: [UInt64]) -> String? {
        ioctlWrites[args[1] & 0xffff_ffff] == nil ? "ioctl request 0x\(String(args[1], radix: 16))" : nil
    }

    @Sendable static func ioctlRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        let size = ioctlWrites[context.arguments[1] & 0xffff_ffff] ?? 0
        return size > 0 ? [MemoryRange(address: context.arguments[2], length: size)] : []
    }

    /// fcntl commands the model knows, with the bytes each writes at its third argument.
    static let fcntlWrites: [UInt64: Int] = [
        0: 0, 1: 0, 2: 0, 3: 0, 4: 0,  // F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL
        5: flockSize, 6: 0, 7: 0,  // F_GETLK, F_SETLK, F_SETLKW
        8: 0, 9: 0, 10: 0, 11: 0, 15: 0, 16: 8,  // F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG, F_SETOWN_EX, F_GETOWN_EX
        36: flockSize, 37: 0, 38: 0,  // F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW
        1024: 0, 1025: 0, 1026: 0,  // F_SETLEASE, F_GETLEASE, F_NOTIFY
        1030: 0, 1031: 0, 1032: 0, 1033: 0, 1034: 0,  // F_DUPFD_CLOEXEC, F_SET/GETPIPE_SZ, F_ADD/GET_SEALS
    ]

    @Sendable static func validateFcntl(_ args: [UInt64]) -> String? {
        fcntlWrites[args[1]] == nil ? "fcntl command \(args[1])" : nil
    }

    @Sendable static func fcntlRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        let size = fcntlWrites[context.arguments[1]] ?? 0
        return size > 0 ? [MemoryRange(address: context.arguments[2], length: size)] : []
    }

    /// prctl options the model knows, with the bytes each writes at its second argument.
    static let prctlWrites: [UInt64: Int] = [
        1: 0, 2: 4, 3: 0, 4: 0, 7: 0, 8: 0,  // PDEATHSIG, DUMPABLE, KEEPCAPS
        15: 0, 16: 16,  // PR_SET_NAME, PR_GET_NAME
        21: 0, 23: 0, 24: 0, 25: 4, 29: 0, 30: 0,  // GET_SECCOMP, CAPBSET_READ/DROP, GET_TSC, TIMERSLACK
        36: 0, 37: 4, 38: 0, 39: 0, 41: 0, 42: 0, 47: 0,  // SUBREAPER, NO_NEW_PRIVS, THP_DISABLE, CAP_AMBIENT
        0x5356_4d41: 0,  // PR_SET_VMA (names anonymous mappings)
        0x5961_6d61: 0,  // PR_SET_PTRACER (Yama: who may attach; the program's tracing is emulated)
    ]

    @Sendable static func validatePrctl(_ args: [UInt64]) -> String? {
        prctlWrites[args[0]] == nil ? "prctl option \(args[0])" : nil
    }

    @Sendable static func prctlRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        let size = prctlWrites[context.arguments[0]] ?? 0
        return size > 0 ? [MemoryRange(address: context.arguments[1], length: size)] : []
    }

    /// futex operations (without the PRIVATE and CLOCK_REALTIME flags) the model knows.
    static let futexOperations: Set<UInt64> = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]

    @Sendable static func validateFutex(_ args: [UInt64]) -> String? {
        futexOperations.contains(args[1] & 0x7f) ? nil : "futex operation \(args[1] & 0x7f)"
    }

    @Sendable static func futexRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        switch context.arguments[1] & 0x7f {
        case 5: [MemoryRange(address: context.arguments[4], length: 4)]  // FUTEX_WAKE_OP writes uaddr2
        case 6, 7, 8, 13: [MemoryRange(address: context.arguments[0], length: 4)]  // PI ops write the lock word
        case 11, 12: [MemoryRange(address: context.arguments[0], length: 4), MemoryRange(address: context.arguments[4], length: 4)]
        default: []
        }
    }
}
