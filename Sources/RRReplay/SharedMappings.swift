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
    /// Replays a successful file mmap from its entry stop, leaving the task at the mmap's exit
    /// stop with the recorded result. A shared mapping maps its path's backing file. A private
    /// one maps the cached copy of the recorded content itself, at the recorded offset: the
    /// kernel shares its pages with every other mapping of that content instead of replay
    /// writing them into anonymous memory (3.7 MB for libc's segments in each process), pages
    /// past the end of the file fault as the original's did, and pagemap tells the pages the
    /// program wrote from the file's, as when recording (memory digests compare only the
    /// former). The recorder's patches (`writes`, RandomInstruction) follow.
    func replayFileMapping(_ event: SyscallEvent, file: MappedFile, on task: ReplayTask, entry: Registers) throws {
        let isShared = [1, 3].contains(event.arguments[3] & 0xf)
        let path = isShared ? try shared.backingFile(for: file.path, content: try files.contents(of: file.hash))
            : try files.mappablePath(for: file.hash)
        if !isShared { cachedCopies[file.path] = path }
        var arguments = event.arguments
        arguments[0] = UInt64(bitPattern: event.result)
        arguments[3] = (arguments[3] & ~0x10_0000) | 0x10  // MAP_FIXED instead of MAP_FIXED_NOREPLACE
        let result = try withOpenedFile(path, readWrite: isShared, in: task, entry: entry, atEntry: true) { fd in
            arguments[4] = UInt64(fd)
            return try runAnotherSyscall(task, after: entry, number: .mmap, arguments: arguments)
        }
        guard result == event.result else {
            throw divergence("\(isShared ? "shared" : "file") mmap returning 0x\(String(event.result, radix: 16))", "it returned \(result)")
        }
        var final = entry
        final.rax = UInt64(bitPattern: result)
        try task.tracee.setRegisters(final)
        if !isShared {
            for write in event.writes { try task.tracee.writeMemory(at: write.address, bytes: write.bytes) }
        }
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

    func waitForSyscallStop(_ task: ReplayTask) throws {
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
