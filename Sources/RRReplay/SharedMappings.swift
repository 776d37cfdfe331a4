import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// MAP_SHARED file mappings in replay. Recorded processes that map the same file (a POSIX
/// semaphore in /dev/shm, a shared data file) must share memory in replay too, but replay never
/// opened the file. Each recorded path gets one backing file, created from the recorded content at
/// its first mapping; the replayed task opens it through an injected openat, maps it where the
/// recording did, and closes it again.
final class SharedMappings {
    private let directory: String
    private var backing: [String: String] = [:]

    init(directory: String) { self.directory = directory }

    deinit { for path in backing.values { unlink(path) } }

    /// The backing file for a recorded path, created with `content` the first time.
    func backingFile(for recordedPath: String, content: [UInt8]) throws -> String {
        if let path = backing[recordedPath] { return path }
        let path = "\(directory)/shared-\(getpid())-\(backing.count)"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw RRError.system(call: "open", errno: errno, detail: path) }
        defer { close(fd) }
        var written = 0
        while written < content.count {
            let n = content.withUnsafeBytes { write(fd, $0.baseAddress! + written, content.count - written) }
            if n <= 0 { throw RRError.system(call: "write", errno: errno, detail: path) }
            written += n
        }
        backing[recordedPath] = path
        return path
    }
}

extension Replayer {
    /// Replays a successful MAP_SHARED file mmap from its entry stop, leaving the task at the
    /// mmap's exit stop with the recorded result.
    func replaySharedFileMapping(_ event: SyscallEvent, file: MappedFile, on task: ReplayTask, entry: Registers) throws {
        let path = try shared.backingFile(for: file.path, content: try files.contents(of: file.hash))
        let bytes = Array(path.utf8) + [0]
        let pathAddress = (entry.rsp - 16384 - UInt64(bytes.count)) & ~15  // below the red zone; scratch only
        try task.tracee.writeMemory(at: pathAddress, bytes: bytes)
        let atFdcwd = UInt64(bitPattern: -100), readWriteCloexec: UInt64 = 0o2 | 0o2000000
        let fd = try runReplacedSyscall(task, entry: entry, number: .openat, arguments: [atFdcwd, pathAddress, readWriteCloexec, 0, 0, 0])
        guard fd >= 0 else { throw RRError.system(call: "open (in the replayed task)", errno: Int32(-fd), detail: path) }
        var arguments = event.arguments
        arguments[0] = UInt64(bitPattern: event.result)
        arguments[3] = (arguments[3] & ~0x10_0000) | 0x10  // MAP_FIXED instead of MAP_FIXED_NOREPLACE
        arguments[4] = UInt64(fd)
        let result = try runAnotherSyscall(task, after: entry, number: .mmap, arguments: arguments)
        _ = try runAnotherSyscall(task, after: entry, number: .close, arguments: [UInt64(fd), 0, 0, 0, 0, 0])
        guard result == event.result else {
            throw divergence("shared mmap returning 0x\(String(event.result, radix: 16))", "it returned \(result)")
        }
        var final = entry
        final.rax = UInt64(bitPattern: result)
        try task.tracee.setRegisters(final)
    }

    /// At a syscall-entry stop: runs `number(arguments)` instead and returns its result; the task
    /// is then at that syscall's exit stop.
    func runReplacedSyscall(_ task: ReplayTask, entry: Registers, number: SyscallNumber, arguments: [UInt64]) throws -> Int64 {
        var registers = entry
        registers.origRax = UInt64(bitPattern: number.rawValue)
        registers.syscallArguments = arguments
        try task.tracee.setRegisters(registers)
        try waitForSyscallStop(task)
        return try task.tracee.registers().syscallResult
    }

    /// At a syscall-exit stop: runs the same syscall instruction once more as `number(arguments)`.
    func runAnotherSyscall(_ task: ReplayTask, after entry: Registers, number: SyscallNumber, arguments: [UInt64]) throws -> Int64 {
        var registers = entry
        registers.rip -= 2  // back onto the syscall instruction
        registers.rax = UInt64(bitPattern: number.rawValue)
        registers.syscallArguments = arguments
        try task.tracee.setRegisters(registers)
        try waitForSyscallStop(task)  // entry
        try waitForSyscallStop(task)  // exit
        return try task.tracee.registers().syscallResult
    }

    private func waitForSyscallStop(_ task: ReplayTask) throws {
        while true {
            try task.tracee.resume(.toSyscall)
            let (_, stop) = try Stop.wait(for: task.tracee.tid)
            switch stop {
            case .syscall: return
            case .signal(let signal) where !signal.isSynchronousFault: continue  // a kernel-raised signal: suppressed
            default: throw divergence("an injected syscall completing", describeStop(stop, task))
            }
        }
    }
}
