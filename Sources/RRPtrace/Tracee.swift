import CRRShims
import RRCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// One traced thread, controlled through ptrace and /proc/<tid>/mem. Every call must come from
/// the OS thread that attached it (ptrace is per-thread in the kernel).
public final class Tracee {
    public let tid: Tid
    private var memory: FileDescriptor?
    /// What debug registers 0-3 are armed with (exec clears them).
    public internal(set) var debugRegisters: [DebugRegisterUse?] = [nil, nil, nil, nil]
    /// The addresses of the execution breakpoints among them.
    public var executionBreakpoints: [RemoteAddress?] {
        debugRegisters.map { if case let .execute(address)? = $0 { address } else { nil } }
    }

    public init(tid: Tid) { self.tid = tid }

    deinit { try? memory?.close() }

    static func check(_ result: rr_shim_result, _ call: String, _ tid: Tid) throws -> Int {
        if result.error != 0 { throw RRError.system(call: call, errno: result.error, detail: "tid \(tid)") }
        return result.value
    }

    public func registers() throws -> Registers {
        var raw = user_regs_struct()
        _ = try Self.check(rr_shim_get_regs(tid.rawValue, &raw), "PTRACE_GETREGS", tid)
        return Registers(raw)
    }

    public func setRegisters(_ registers: Registers) throws {
        var raw = registers.raw
        _ = try Self.check(rr_shim_set_regs(tid.rawValue, &raw), "PTRACE_SETREGS", tid)
    }

    /// The event message of the current PTRACE_EVENT stop (new tid, former tid, exit status).
    public func eventMessage() throws -> UInt64 {
        var message: UInt = 0
        _ = try Self.check(rr_shim_event_message(tid.rawValue, &message), "PTRACE_GETEVENTMSG", tid)
        return UInt64(message)
    }

    public func blockedSignals() throws -> UInt64 {
        var mask: UInt64 = 0
        _ = try Self.check(rr_shim_get_sigmask(tid.rawValue, &mask), "PTRACE_GETSIGMASK", tid)
        return mask
    }

    public func setBlockedSignals(_ mask: UInt64) throws {
        _ = try Self.check(rr_shim_set_sigmask(tid.rawValue, mask), "PTRACE_SETSIGMASK", tid)
    }

    public func siginfo() throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 128)
        _ = try Self.check(rr_shim_get_siginfo(tid.rawValue, &bytes), "PTRACE_GETSIGINFO", tid)
        return bytes
    }

    /// Whether a stop with a stopping signal is a group stop (the process stopped by job
    /// control) rather than the signal's delivery: only then PTRACE_GETSIGINFO has no siginfo.
    public func isInGroupStop() throws -> Bool {
        var bytes = [UInt8](repeating: 0, count: 128)
        let result = rr_shim_get_siginfo(tid.rawValue, &bytes)
        if result.error == EINVAL { return true }
        _ = try Self.check(result, "PTRACE_GETSIGINFO", tid)
        return false
    }

    /// The signals pending for this thread or its whole process (/proc's SigPnd and ShdPnd).
    public func pendingSignals() throws -> UInt64 {
        let status = try ProcFiles.statusFields(of: tid)
        return ["SigPnd", "ShdPnd"].reduce(0) { mask, field in
            mask | (status[field].flatMap { UInt64($0, radix: 16) } ?? 0)
        }
    }

    /// The signals queued for this thread or its process, read at a ptrace stop with two
    /// ptrace calls (`pendingSignals` reads /proc, for a thread that may not be stopped).
    public func queuedSignals() throws -> UInt64 {
        var mask: UInt64 = 0
        _ = try Self.check(rr_shim_queued_signals(tid.rawValue, &mask), "PTRACE_PEEKSIGINFO", tid)
        return mask
    }

    public func setSiginfo(_ bytes: [UInt8]) throws {
        _ = try Self.check(rr_shim_set_siginfo(tid.rawValue, bytes), "PTRACE_SETSIGINFO", tid)
    }

    /// The options every tracee gets: syscall stops marked with 0x80, exec and exit events, and
    /// death of the tracee if the supervisor dies (nothing recorded is left running).
    public func setStandardOptions() throws {
        // TRACESYSGOOD | TRACEFORK | TRACEVFORK | TRACECLONE | TRACEEXEC | TRACEEXIT | TRACESECCOMP | EXITKILL
        let options: UInt64 = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80 | 0x10_0000
        _ = try Self.check(rr_shim_ptrace(0x4200, tid.rawValue, 0, options), "PTRACE_SETOPTIONS", tid)
    }

    public enum Resume: Int32 {
        /// Run to the next syscall entry or exit, signal or event.
        case toSyscall = 24  // PTRACE_SYSCALL
        case toSignal = 7  // PTRACE_CONT
        /// One instruction; with a signal, stop at the first instruction of its handler.
        case singleStep = 9  // PTRACE_SINGLESTEP
    }

    public func resume(_ how: Resume, signal: Int32 = 0) throws {
        _ = try Self.check(rr_shim_ptrace(how.rawValue, tid.rawValue, 0, UInt64(signal)), "ptrace resume", tid)
    }

    /// Whether the current syscall stop is an entry (true) or an exit (false).
    public func isSyscallEntry() throws -> Bool {
        guard let entry = syscallStopIsEntry() else {
            throw RRError.system(call: "PTRACE_GET_SYSCALL_INFO", errno: errno, detail: "tid \(tid) is not at a syscall stop")
        }
        return entry
    }

    /// Entry (true), exit (false), or nil when the thread is not at a syscall stop (any more: a
    /// SIGKILL moves a stopped thread on to its exit without the tracer resuming it).
    public func syscallStopIsEntry() -> Bool? {
        switch rr_shim_syscall_stop_kind(tid.rawValue) {
        case 1, 3: return true
        case 2: return false
        default: return nil
        }
    }

    /// /proc/<tid>/mem must be reopened after an exec: the old descriptor refers to the old address space.
    public func forgetAddressSpace() {
        try? memory?.close()
        memory = nil
        debugRegisters = [nil, nil, nil, nil]
    }

    private func memoryFile() throws -> FileDescriptor {
        if let memory { return memory }
        let opened = try withErrno("open /proc/\(tid)/mem") {
            try FileDescriptor.open("/proc/\(tid)/mem", .readWrite, options: [.closeOnExec])
        }
        memory = opened
        return opened
    }

    public func readMemory(at address: RemoteAddress, count: Int) throws -> [UInt8] {
        if count == 0 { return [] }
        guard count > 0 else {
            throw RRError.system(call: "read tracee memory", errno: EINVAL, detail: "0x\(String(address, radix: 16)) with a length of \(count)")
        }
        let file = try memoryFile()
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try withErrno("read tracee memory at 0x\(String(address + UInt64(done), radix: 16))") {
                try bytes.withUnsafeMutableBytes { buffer in
                    try file.read(fromAbsoluteOffset: Int64(bitPattern: address + UInt64(done)),
                                  into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
                }
            }
            if n == 0 {
                throw RRError.system(call: "read tracee memory", errno: EIO, detail: "0x\(String(address, radix: 16)) +\(count)")
            }
            done += n
        }
        return bytes
    }

    /// Adds `delta` to the 32-bit counter at `address` (the preload library's vfork count).
    public func addToCounter(at address: RemoteAddress, _ delta: Int32) throws {
        let value = try readMemory(at: address, count: 4).loadLittleEndian(UInt32.self, at: 0)
        let updated = UInt32(bitPattern: Int32(bitPattern: value) &+ delta)
        try writeMemory(at: address, bytes: withUnsafeBytes(of: updated.littleEndian) { Array($0) })
    }

    public func writeMemory(at address: RemoteAddress, bytes: [UInt8]) throws {
        if bytes.isEmpty { return }
        let file = try memoryFile()
        var done = 0
        while done < bytes.count {
            let n = try withErrno("write tracee memory at 0x\(String(address + UInt64(done), radix: 16))") {
                try bytes.withUnsafeBytes { buffer in
                    try file.write(toAbsoluteOffset: Int64(bitPattern: address + UInt64(done)),
                                   UnsafeRawBufferPointer(rebasing: buffer[done...]))
                }
            }
            if n == 0 { throw RRError.system(call: "write tracee memory", errno: EIO, detail: "0x\(String(address, radix: 16))") }
            done += n
        }
    }

    public func kill() {
        _ = rr_shim_kill(tid.rawValue, SIGKILL)
    }
}

extension Tracee: TraceeMemoryReader {
    public func readBytes(at address: RemoteAddress, count: Int) throws -> [UInt8] {
        try readMemory(at: address, count: count)
    }

    public func descriptorTableSize() -> Int? {
        (try? ProcFiles.statusFields(of: tid)["FDSize"]).flatMap { $0.flatMap { Int($0) } }
    }
}

/// Runs a swift-system call, turning its `Errno` into an `RRError` that names the operation.
public func withErrno<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as Errno {
        throw RRError.system(call: operation, errno: error.rawValue, detail: "")
    }
}
