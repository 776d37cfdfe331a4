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
        var arguments = event.arguments
        arguments[0] = UInt64(bitPattern: event.result)
        arguments[3] = (arguments[3] & ~0x10_0000) | 0x10  // MAP_FIXED instead of MAP_FIXED_NOREPLACE
        let result = try withOpenedFile(path, readWrite: true, in: task, entry: entry, atEntry: true) { fd in
            arguments[4] = UInt64(fd)
            return try runAnotherSyscall(task, after: entry, number: .mmap, arguments: arguments)
        }
        guard result == event.result else {
            throw divergence("shared mmap returning 0x\(String(event.result, radix: 16))", "it returned \(result)")
        }
        var final = entry
        final.rax = UInt64(bitPattern: result)
        try task.tracee.setRegisters(final)
    }

    /// Opens `path` in the task (by an injected openat, instead of the syscall at whose entry it
    /// is stopped, or after the one at whose exit it is), runs `body` with the descriptor and
    /// closes it. The path goes below the red zone, and what was there is put back: dead stack
    /// must hold what it held when recorded (memory digests compare it).
    func withOpenedFile(_ path: String, readWrite: Bool, in task: ReplayTask, entry: Registers, atEntry: Bool,
                        _ body: (Int64) throws -> Int64) throws -> Int64 {
        let bytes = Array(path.utf8) + [0]
        let pathAddress = (entry.rsp - 16384 - UInt64(bytes.count)) & ~15
        let saved = try task.tracee.readMemory(at: pathAddress, count: bytes.count)
        try task.tracee.writeMemory(at: pathAddress, bytes: bytes)
        let atFdcwd = UInt64(bitPattern: -100), flags: UInt64 = (readWrite ? 0o2 : 0) | 0o2000000  // O_CLOEXEC
        let openArguments = [atFdcwd, pathAddress, flags, 0, 0, 0]
        let fd = atEntry ? try runReplacedSyscall(task, entry: entry, number: .openat, arguments: openArguments)
            : try runAnotherSyscall(task, after: entry, number: .openat, arguments: openArguments)
        try task.tracee.writeMemory(at: pathAddress, bytes: saved)
        guard fd >= 0 else { throw RRError.system(call: "open (in the replayed task)", errno: Int32(-fd), detail: path) }
        let result = try body(fd)
        _ = try runAnotherSyscall(task, after: entry, number: .close, arguments: [UInt64(fd), 0, 0, 0, 0, 0])
        return result
    }

    /// The pages of a private file mapping that lie wholly past the end of the file raise SIGBUS
    /// when touched; replay's anonymous copy of the mapping would not. They are mapped over with
    /// an empty file, which faults the same way. The task is at the mmap's exit stop.
    func mapPastEndOfFile(_ event: SyscallEvent, file: MappedFile, on task: ReplayTask, exit: Registers) throws {
        let page: UInt64 = 4096
        let fileEnd = (file.size + page - 1) / page * page, offset = event.arguments[5]
        let length = (event.arguments[1] + page - 1) / page * page
        guard fileEnd < offset + length else { return }
        let skipped = fileEnd > offset ? fileEnd - offset : 0
        let start = UInt64(bitPattern: event.result) + skipped
        let empty = try shared.backingFile(for: "", content: [])
        var entry = exit
        entry.rip = exit.rip  // runAnotherSyscall steps back onto the syscall instruction from here
        let privateFixed: UInt64 = 0x2 | 0x10
        let result = try withOpenedFile(empty, readWrite: false, in: task, entry: entry, atEntry: false) { fd in
            try runAnotherSyscall(task, after: entry, number: .mmap, arguments: [start, length - skipped, event.arguments[2], privateFixed, UInt64(fd), 0])
        }
        guard result == Int64(bitPattern: start) else {
            throw divergence("the end of a file mapping faulting", "mmap of an empty file returned \(result)")
        }
        try task.tracee.setRegisters(exit)
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
