import CRRShims
import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// Starts programs under ptrace the same way for record and replay: no ASLR, pinned to one CPU,
/// RDTSC trapping on, stopped (SIGSTOP) before the execve so the tracer can set its options.
public enum Spawner {
    public struct Options {
        public var cpu: Int32
        public var stdoutToStderr = false
        public var noCoreDumps = false
        /// Ignored signals and blocked mask to start with (as recorded), or nil to inherit ours.
        public var signalState: (ignored: UInt64, blocked: UInt64)?
        /// Starts the program in a process group of its own, so that a signal it sends its group
        /// (kill(0, ...), as test harnesses do) reaches its processes and never the recorder's.
        public var ownProcessGroup = false
        /// With `ownProcessGroup`: the terminal whose foreground group the program's becomes, so
        /// that it reads the terminal and gets the terminal's signals (Ctrl-C) as it would from a shell.
        public var foregroundTerminal: Int32?
        public init(cpu: Int32) { self.cpu = cpu }
    }

    /// Returns the tracee, stopped at its exec stop (PTRACE_EVENT_EXEC), ready for inspection.
    public static func spawn(path: String, arguments: [String], environment: [String], options: Options) throws -> Tracee {
        try spawn(path: path, arguments: arguments.map { Array($0.utf8) }, environment: environment.map { Array($0.utf8) },
                  options: options)
    }

    public static func spawn(path: String, arguments: [[UInt8]], environment: [[UInt8]], options: Options) throws -> Tracee {
        let pid = try withCStrings(arguments) { argv in
            try withCStrings(environment) { envp in
                let spawnOptions = rr_shim_spawn_options(cpu: options.cpu, stdout_to_stderr: options.stdoutToStderr ? 1 : 0,
                                                         trap_rdtsc: 1, no_core_dumps: options.noCoreDumps ? 1 : 0,
                                                         close_from: 3, set_signals: options.signalState == nil ? 0 : 1,
                                                         ignored_signals: options.signalState?.ignored ?? 0,
                                                         blocked_signals: options.signalState?.blocked ?? 0,
                                                         own_process_group: options.ownProcessGroup ? 1 : 0,
                                                         terminal_fd: options.foregroundTerminal ?? -1)
                let result = rr_shim_spawn_traced(path, argv, envp, spawnOptions)
                if result.error != 0 { throw RRError.system(call: "fork", errno: result.error, detail: path) }
                return Int32(result.value)
            }
        }
        let tracee = Tracee(tid: Tid(pid))
        let (_, first) = try Stop.wait(for: tracee.tid)
        guard first == .signal(.sigstop) else {
            switch first {
            case .exited(Self.tracemeRefused, _):
                throw RRError.usage(SystemPolicy.ptraceDenied(yamaScope: SystemPolicy.setting(SystemPolicy.yamaPtraceScope)))
            case .exited, .killed: break  // reaped already: its pid is no longer ours to signal
            default: tracee.kill()
            }
            throw RRError.usage("cannot start \(path) under ptrace (first stop: \(first))")
        }
        try tracee.setStandardOptions()
        // Run to the exec event; the execve entry stop comes first. A failed execve returns to
        // the child, which exits: its exit stop says why (ETXTBSY while a writer holds the file).
        var execveError: Int32?
        while true {
            try tracee.resume(.toSyscall)
            let (_, stop) = try Stop.wait(for: tracee.tid)
            switch stop {
            case .syscall:
                execveError = try failedExecveError(of: tracee) ?? execveError
            case .exec: return tracee
            case .exited(let code, _):
                throw RRError.usage("cannot execute \(path) (exit status \(code) before exec)")
            default:
                tracee.kill()
                if let execveError { throw RRError.system(call: "execve", errno: execveError, detail: path) }
                throw RRError.usage("cannot execute \(path) (unexpected stop \(stop))")
            }
        }
    }

    /// The errno of an execve at its exit stop, or nil at any other stop (its entry stop's rax
    /// is -ENOSYS, which a real execve never returns).
    private static func failedExecveError(of tracee: Tracee) throws -> Int32? {
        let registers = try tracee.registers()
        let result = Int64(bitPattern: registers.rax)
        guard registers.origRax == UInt64(SyscallNumber.execve.rawValue), result < 0, result >= -4095,
              result != -Int64(ENOSYS) else { return nil }
        return Int32(-result)
    }

    /// The exit status of a child whose PTRACE_TRACEME failed (rr_shim_spawn_traced).
    static let tracemeRefused: Int32 = 126

    /// Prepares the supervisor's thread: SIGCHLD blocked so that waits can time out.
    public static func prepareSupervisor() {
        rr_shim_block_child_signals()
    }

    /// Pins the calling thread (the supervisor or replayer) to a CPU.
    public static func pinSelf(to cpu: Int32) {
        if cpu >= 0 { _ = rr_shim_pin_to_cpu(cpu) }
    }
}

/// Calls `body` with a NULL-terminated C array of C strings made from raw bytes.
func withCStrings<R>(_ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) throws -> R) rethrows -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { bytes in
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
        copy[bytes.count] = 0
        return copy
    }
    pointers.append(nil)
    defer { pointers.forEach { $0?.deallocate() } }
    return try pointers.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
