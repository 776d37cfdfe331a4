extension SyscallEvent {
    /// "openat(0xffffff9c, 0x7ffe..., 0x0, 0x0, 0x0, 0x0) = 3", for divergence reports and dumps.
    public func summary(withArguments: Bool) -> String {
        let shown = withArguments ? arguments : Array(arguments.prefix(3))
        return "syscall \(number.name)(\(shown.map { "0x" + String($0, radix: 16) }.joined(separator: ", "))) = \(result)"
    }

    /// "syscall openat(0x..., ...)" without a result: what replay saw at an entry.
    public var callDescription: String {
        "syscall \(number.name)(\(arguments.map { "0x" + String($0, radix: 16) }.joined(separator: ", ")))"
    }
}

/// A content hash (SHA-256) naming a file stored once in a trace.
public struct ContentHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        self.bytes = bytes
    }
    public var hex: String { bytes.map { String(format2: $0) }.joined() }
    public var description: String { hex }
}

extension String {
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

/// One file the program had mapped: its path at record time and the hash of its content.
public struct MappedFile: Equatable, Sendable {
    public var path: String
    public var hash: ContentHash
    public var size: UInt64
    public init(path: String, hash: ContentHash, size: UInt64) {
        self.path = path
        self.hash = hash
        self.size = size
    }
}

/// A successful execve: everything replay needs to start the same image in the same state.
public struct ExecEvent: Equatable, Sendable {
    public var tid: Tid
    public var executable: MappedFile
    /// The ELF interpreter (ld.so) the kernel loaded, if the executable has one.
    public var interpreter: MappedFile?
    /// argv and envp as raw bytes: they need not be UTF-8, and replay passes them on unchanged.
    public var arguments: [[UInt8]]
    public var environment: [[UInt8]]
    /// Registers right after the exec (at the interpreter's or program's entry point).
    public var registers: Registers
    /// The initial stack from `registers.rsp` to the top of the stack mapping: argv, envp,
    /// the auxiliary vector and AT_RANDOM bytes, reproduced exactly in replay.
    public var stackBytes: [UInt8]
    /// Signal dispositions that survive execve: ignored signals and the blocked mask (bit N-1 for
    /// signal N). A program started from a background shell job ignores SIGINT and SIGQUIT, say;
    /// replay starts the first program with the same.
    public var ignoredSignals: UInt64 = 0
    public var blockedSignals: UInt64 = 0
    /// When a thread other than the main one called execve: its tid before the exec. The kernel
    /// kills the other threads and gives the execing thread the main thread's tid (`tid`).
    public var formerTid: Tid?
    /// The recorder's patches of RDRAND and RDSEED in the executable's code (`RandomInstruction`),
    /// made at the exec stop; replay makes them at the same point.
    public var writes: [MemoryWrite] = []
    public init(tid: Tid, executable: MappedFile, interpreter: MappedFile?, arguments: [String],
                environment: [String], registers: Registers, stackBytes: [UInt8]) {
        self.init(tid: tid, executable: executable, interpreter: interpreter, arguments: arguments.map { Array($0.utf8) },
                  environment: environment.map { Array($0.utf8) }, registers: registers, stackBytes: stackBytes)
    }

    public init(tid: Tid, executable: MappedFile, interpreter: MappedFile?, arguments: [[UInt8]],
                environment: [[UInt8]], registers: Registers, stackBytes: [UInt8]) {
        self.tid = tid
        self.executable = executable
        self.interpreter = interpreter
        self.arguments = arguments
        self.environment = environment
        self.registers = registers
        self.stackBytes = stackBytes
    }
}

/// Bytes the kernel wrote into tracee memory during a syscall.
public struct MemoryWrite: Equatable, Sendable {
    public var address: RemoteAddress
    public var bytes: [UInt8]
    public init(address: RemoteAddress, bytes: [UInt8]) {
        self.address = address
        self.bytes = bytes
    }
}

/// Memory the kernel wrote during a syscall, kept in the trace by content rather than inline: a
/// large read from a regular file, whose pieces go in as stored contents (fileContent messages),
/// each once per trace, and which recordings of the same input share through the block cache.
public struct StoredWrite: Equatable, Sendable {
    public struct Piece: Equatable, Sendable {
        public var hash: ContentHash
        public var size: UInt32
        public init(hash: ContentHash, size: UInt32) {
            self.hash = hash
            self.size = size
        }
    }

    public var address: RemoteAddress
    /// The written bytes in order, piece after piece.
    public var pieces: [Piece]
    public init(address: RemoteAddress, pieces: [Piece]) {
        self.address = address
        self.pieces = pieces
    }

    public var length: UInt64 { pieces.reduce(0) { $0 + UInt64($1.size) } }
}

/// Which of the recording's original output streams a write went to; replay echoes the bytes
/// the replayed code passes to that write onto its own stream.
public enum OutputStream: UInt8, Sendable {
    case none = 0, stdout = 1, stderr = 2
}

/// A completed (or, for exit/exit_group, entered) syscall.
public struct SyscallEvent: Equatable, Sendable {
    public var tid: Tid
    public var number: SyscallNumber
    public var arguments: [UInt64]
    public var result: Int64
    /// Digest of all registers at syscall entry (see `Registers.digest`).
    public var entryDigest: UInt64
    public var writes: [MemoryWrite]
    /// For a successful mmap of a file: which file, so replay can fill the mapping.
    public var mappedFile: MappedFile?
    public var echo: OutputStream
    /// For a write-like call (`OutputDigest.calls`) that ran: the digest of the bytes it output,
    /// which replay compares before the call.
    public var outputDigest: UInt64?
    /// Writes kept by content (see StoredWrite), copied into memory after `writes`.
    public var storedWrites: [StoredWrite] = []
    public init(tid: Tid, number: SyscallNumber, arguments: [UInt64], result: Int64, entryDigest: UInt64,
                writes: [MemoryWrite] = [], mappedFile: MappedFile? = nil, echo: OutputStream = .none) {
        self.tid = tid
        self.number = number
        self.arguments = arguments
        self.result = result
        self.entryDigest = entryDigest
        self.writes = writes
        self.mappedFile = mappedFile
        self.echo = echo
    }
}

/// A thread stopped at a syscall's entry while other threads' events were recorded before the
/// syscall finished (it blocked, or took long). Replay runs the thread up to this entry at this
/// point of the schedule, so its user code runs in the recorded order relative to other threads.
public struct SyscallEntryEvent: Equatable, Sendable {
    public var tid: Tid
    public var number: SyscallNumber
    public var arguments: [UInt64]
    public var entryDigest: UInt64
    public init(tid: Tid, number: SyscallNumber, arguments: [UInt64], entryDigest: UInt64) {
        self.tid = tid
        self.number = number
        self.arguments = arguments
        self.entryDigest = entryDigest
    }
}

/// A fork, vfork or clone created a task (PTRACE_EVENT_FORK/VFORK/CLONE). Recorded when the
/// kernel reports it, before the parent's syscall returns; replay performs the syscall for real
/// here and maps the recorded child tid to the new one.
public struct TaskCreatedEvent: Equatable, Sendable {
    public var tid: Tid
    public var child: Tid
    public var number: SyscallNumber
    public var arguments: [UInt64]
    public var entryDigest: UInt64
    public init(tid: Tid, child: Tid, number: SyscallNumber, arguments: [UInt64], entryDigest: UInt64) {
        self.tid = tid
        self.child = child
        self.number = number
        self.arguments = arguments
        self.entryDigest = entryDigest
    }
}

/// An instruction the supervisor trapped and emulated, with the values it produced: RDTSC and
/// RDTSCP (trapped by PR_SET_TSC) give rax, rdx and for RDTSCP rcx; RDRAND and RDSEED (patched to
/// a trap, see `RandomInstruction`) give the value in `rax`, and the patched instruction itself says
/// which register it goes to.
public struct InstructionTrapEvent: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case rdtsc = 1, rdtscp = 2, rdrand = 3, rdseed = 4
        public var name: String {
            switch self {
            case .rdtsc: "rdtsc"
            case .rdtscp: "rdtscp"
            case .rdrand: "rdrand"
            case .rdseed: "rdseed"
            }
        }
    }
    public var tid: Tid
    public var kind: Kind
    public var rip: UInt64
    public var rax: UInt64
    public var rdx: UInt64
    public var rcx: UInt64
    public init(tid: Tid, kind: Kind, rip: UInt64, rax: UInt64, rdx: UInt64, rcx: UInt64) {
        self.tid = tid
        self.kind = kind
        self.rip = rip
        self.rax = rax
        self.rdx = rdx
        self.rcx = rcx
    }
}

/// The digests of the memory a position's registers point at: the words around each register's
/// value (`near`), and the words where those point (`far`); see `PointedMemory`.
public struct PointedMemoryDigests: Equatable, Sendable {
    public var near: UInt64
    public var far: UInt64
    public init(near: UInt64, far: UInt64) {
        self.near = near
        self.far = far
    }
}

/// A point in a thread's user code, named without a branch counter: the thread's registers
/// there (the instruction pointer among them), a digest of its extended (x87/SSE/AVX) state and
/// a digest of the process's writable memory. Replay finds it after the thread's previous event
/// with a hardware breakpoint on `registers.rip`, comparing at each hit. Two points with equal
/// registers, extended state and memory have the same future, so the first hit that matches is
/// as good as the recorded one (protocol/README.md, "Asynchronous positions").
public struct UserPosition: Equatable, Sendable {
    public var registers: Registers
    public var extendedStateDigest: UInt64
    public var memoryDigest: UInt64
    /// Digests of the memory the registers point at (`PointedMemory`): cheap first tests of the
    /// memory, compared before `memoryDigest`. Traces of earlier builds lack them.
    public var pointedMemory: PointedMemoryDigests?
    /// The thread's user CPU time there (nanoseconds, from /proc): replay gives up looking for
    /// the point when its thread has used much more, rather than run on for ever.
    public var userTime: UInt64
    /// The syscall buffers in the address space (each `SyscallBufferLayout.mappingSize` long),
    /// left out of the memory digest with the syscall page and the scratch area: replay fills
    /// their shadow records ahead of time.
    public var syscallBuffers: [UInt64]
    public init(registers: Registers, extendedStateDigest: UInt64, memoryDigest: UInt64, pointedMemory: PointedMemoryDigests? = nil,
                userTime: UInt64, syscallBuffers: [UInt64]) {
        self.registers = registers
        self.extendedStateDigest = extendedStateDigest
        self.memoryDigest = memoryDigest
        self.pointedMemory = pointedMemory
        self.userTime = userTime
        self.syscallBuffers = syscallBuffers
    }

    /// The memory the digest leaves out, as (start, length).
    public var unhashedMemory: [(UInt64, UInt64)] { Self.bufferingMemory(syscallBuffers: syscallBuffers) }

    /// The syscall-buffering machinery's memory in a process with these buffers, as (start, length).
    public static func bufferingMemory(syscallBuffers: [UInt64]) -> [(UInt64, UInt64)] {
        [(SyscallBufferLayout.pageAddress, 4096), (SyscallBufferLayout.scratchAddress, SyscallBufferLayout.scratchSize)]
            + syscallBuffers.map { ($0, SyscallBufferLayout.mappingSize) }
    }

    /// The flags the CPU or the kernel set by themselves around a debug trap (RF, TF) are not part
    /// of a position.
    public static let ignoredFlags: UInt64 = 0x10100
    public static let resumeFlag: UInt64 = 0x10000
    public static let eflagsIndex = Registers.names.firstIndex(of: "eflags")!

    /// Whether `registers` are this position's, the flags above aside.
    public func matches(_ registers: Registers) -> Bool {
        for index in 0..<Registers.wordCount where registers.words[index] != self.registers.words[index] {
            guard index == Self.eflagsIndex, (registers.words[index] ^ self.registers.words[index]) & ~Self.ignoredFlags == 0 else { return false }
        }
        return true
    }
}

/// Where in the execution a signal was delivered: at a faulting instruction (replay re-executes
/// it and the CPU raises the signal again), right after the previous event with no user code in
/// between (replay injects it there), or at a point in the middle of user code.
public enum SignalPosition: Equatable, Sendable {
    case atFault
    case afterPreviousEvent
    case userSpace(UserPosition)
}

/// The scheduler took a thread off the CPU in the middle of its user code (its time slice was
/// over and others were waiting); replay stops it at the same point before the next event.
public struct PreemptionEvent: Equatable, Sendable {
    public var tid: Tid
    public var position: UserPosition
    public init(tid: Tid, position: UserPosition) {
        self.tid = tid
        self.position = position
    }
}

/// The words of a handler's signal frame that come from the thread's last trap rather than
/// from its registers (uc_mcontext's err, trapno and cr2). Replay's breakpoints and steps are
/// traps of their own, so replay writes the recorded values into the frames it delivers.
public struct TrapFrameWords: Equatable, Sendable {
    public var err: UInt64
    public var trapno: UInt64
    public var cr2: UInt64
    public init(err: UInt64, trapno: UInt64, cr2: UInt64) {
        self.err = err
        self.trapno = trapno
        self.cr2 = cr2
    }

    /// Offsets from the ucontext_t a handler gets: uc_mcontext is at 40, gregs[REG_ERR] (19),
    /// gregs[REG_TRAPNO] (20) and gregs[REG_CR2] (22) in it.
    public static let errOffset: UInt64 = 40 + 19 * 8, trapnoOffset: UInt64 = 40 + 20 * 8, cr2Offset: UInt64 = 40 + 22 * 8
}

/// A signal delivered to a tracee thread (signal-delivery-stop), with its full siginfo, and for
/// a signal that ran a handler, the trap words of the frame it got.
public struct SignalEvent: Equatable, Sendable {
    public var tid: Tid
    public var signal: SignalNumber
    public var siginfo: [UInt8]
    public var position: SignalPosition
    public var frame: TrapFrameWords?
    public init(tid: Tid, signal: SignalNumber, siginfo: [UInt8], position: SignalPosition, frame: TrapFrameWords? = nil) {
        self.tid = tid
        self.signal = signal
        self.siginfo = siginfo
        self.position = position
        self.frame = frame
    }
}

/// A tracee's end: its raw wait status and its registers at the moment it exited.
public struct ExitEvent: Equatable, Sendable {
    public var tid: Tid
    public var waitStatus: Int32
    public var finalRegisters: Registers?
    public init(tid: Tid, waitStatus: Int32, finalRegisters: Registers?) {
        self.tid = tid
        self.waitStatus = waitStatus
        self.finalRegisters = finalRegisters
    }

    /// The status a shell would report: the exit code, or 128 + signal.
    public var shellStatus: Int32 {
        let signal = waitStatus & 0x7f
        return signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal
    }
}

/// One recorded event. Replay consumes them in order; the order is the recorded schedule.
public enum TraceEvent: Equatable, Sendable {
    case exec(ExecEvent)
    case syscall(SyscallEvent)
    case instructionTrap(InstructionTrapEvent)
    case signal(SignalEvent)
    case exit(ExitEvent)
    case syscallEntry(SyscallEntryEvent)
    case taskCreated(TaskCreatedEvent)
    case patch(PatchEvent)
    case preemption(PreemptionEvent)
    /// Travels as its own message type (4), between the events it is ordered with.
    case bufferFlush(SyscallBufferFlush)

    public var tid: Tid {
        switch self {
        case let .exec(e): e.tid
        case let .syscall(e): e.tid
        case let .instructionTrap(e): e.tid
        case let .signal(e): e.tid
        case let .exit(e): e.tid
        case let .syscallEntry(e): e.tid
        case let .taskCreated(e): e.tid
        case let .patch(e): e.tid
        case let .preemption(e): e.tid
        case let .bufferFlush(e): e.tid
        }
    }

    /// A short description for divergence reports and dumps.
    public var summary: String {
        switch self {
        case let .exec(e): "exec \(e.executable.path)"
        case let .syscall(e): "syscall \(e.number.name)(\(e.arguments.prefix(3).map { "0x" + String($0, radix: 16) }.joined(separator: ", "))...) = \(e.result)"
        case let .instructionTrap(e): "\(e.kind.name) at 0x\(String(e.rip, radix: 16))"
        case let .signal(e):
            if case let .userSpace(position) = e.position { "signal \(e.signal) at 0x\(String(position.registers.rip, radix: 16))" } else { "signal \(e.signal)" }
        case let .preemption(e): "preemption at 0x\(String(e.position.registers.rip, radix: 16))"
        case let .exit(e): "exit with status \(e.shellStatus)"
        case let .syscallEntry(e): "entry of syscall \(e.number.name)"
        case let .taskCreated(e): "\(e.number.name) creating task \(e.child)"
        case let .patch(e): "patch of the \(e.number.name) site at 0x\(String(e.site, radix: 16))"
        case let .bufferFlush(e):
            "\(e.calls.count) buffered syscalls" + (e.flags.contains(.blockedInNext) ? ", then blocked in the next"
                : e.flags.contains(.stoppedAfterNextSyscall) ? ", then stopped after the next" : "")
        }
    }
}

/// The first message of a trace: what was recorded, where and how.
public struct TraceHeader: Equatable, Sendable {
    public var cpuModel: String
    public var kernelRelease: String
    public var hostname: String
    public var startTime: UInt64
    public var commandLine: [String]
    public var workingDirectory: String
    public init(cpuModel: String, kernelRelease: String, hostname: String, startTime: UInt64,
                commandLine: [String], workingDirectory: String) {
        self.cpuModel = cpuModel
        self.kernelRelease = kernelRelease
        self.hostname = hostname
        self.startTime = startTime
        self.commandLine = commandLine
        self.workingDirectory = workingDirectory
    }
}
