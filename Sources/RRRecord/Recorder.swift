import RRCore
import RRPtrace
import RRTrace
import CRRShims

#if canImport(Glibc)
import Glibc
#endif

/// Records one program: runs it under ptrace, stops it at every syscall, signal and trapped
/// instruction, and sends each as an event to the trace-writer. The loop is synchronous on the
/// thread that spawned the tracee, as ptrace requires.
public final class Recorder {
    public struct Options {
        public var cpu: Int32 = 0
        public var stdoutToStderr = false
        public init() {}
    }

    private let sink: PipeSink
    private let files: FileStore
    private let options: Options
    private var tracee: Tracee!
    private var eventCount: UInt64 = 0
    private var pendingEntry: PendingSyscall?
    private var outputs = OutputStreams()
    private var finalRegisters: Registers?
    /// Registers when the tracee was last resumed, to tell whether it ran user code since.
    private var registersAtResume: Registers?

    struct PendingSyscall {
        var registers: Registers
        var spec: SyscallSpec
        var arguments: [UInt64] { registers.syscallArguments }
    }

    public init(sink: PipeSink, options: Options) {
        self.sink = sink
        self.files = FileStore(sink: sink)
        self.options = options
    }

    /// Records `program` to completion and returns its status as a shell reports it. Whatever
    /// happens, the trace ends with an `end` message saying how the recording ended.
    public func record(program: String, arguments: [String], environment: [String], workingDirectory: String) throws -> Int32 {
        Spawner.pinSelf(to: options.cpu)
        try sink.send(.header(TraceHeader(cpuModel: MachineInfo.cpuModel, kernelRelease: MachineInfo.kernelRelease,
                                          hostname: MachineInfo.hostname, startTime: UInt64(time(nil)),
                                          commandLine: arguments, workingDirectory: workingDirectory)))
        var spawnOptions = Spawner.Options(cpu: options.cpu)
        spawnOptions.stdoutToStderr = options.stdoutToStderr
        tracee = try Spawner.spawn(path: program, arguments: arguments, environment: environment, options: spawnOptions)
        do {
            try recordExec()
            let status = try runUntilExit()
            try sink.send(.end(TraceEnd(eventCount: eventCount, exitStatus: status, error: "")))
            try sink.flush()
            return status
        } catch {
            tracee.kill()
            _ = try? Stop.wait(for: tracee.tid)
            try? sink.send(.end(TraceEnd(eventCount: eventCount, exitStatus: -1, error: "\(error)")))
            try? sink.flush()
            throw error
        }
    }

    private func emit(_ event: TraceEvent) throws {
        try sink.send(.event(event))
        eventCount += 1
    }

    private func resume(signal: Int32 = 0) throws {
        registersAtResume = try tracee.registers()
        try tracee.resume(.toSyscall, signal: signal)
    }

    private func runUntilExit() throws -> Int32 {
        while true {
            try resumeAfterStop()
            let (_, stop) = try Stop.wait(for: tracee.tid)
            switch stop {
            case .syscall:
                if try tracee.isSyscallEntry() { try syscallEntry() } else { try syscallExit() }
            case .exec:
                try recordExec()
            case .exiting:
                finalRegisters = try tracee.registers()
            case .signal(let signal):
                try signalStop(signal)
                continue
            case let .exited(_, status), let .killed(_, status):
                let exit = ExitEvent(tid: tracee.tid, waitStatus: status, finalRegisters: finalRegisters)
                try emit(.exit(exit))
                return exit.shellStatus
            case .otherEvent(let event):
                throw RRError.unsupportedSyscall("ptrace event \(event)")
            }
            pendingSignal = 0
        }
    }

    /// The signal to deliver when the tracee is next resumed (set at a signal-delivery-stop).
    private var pendingSignal: Int32 = 0

    private func resumeAfterStop() throws {
        let signal = pendingSignal
        pendingSignal = 0
        try resume(signal: signal)
    }

    // MARK: exec

    private func recordExec() throws {
        tracee.forgetAddressSpace()
        let tid = tracee.tid
        let registers = try tracee.registers()
        let exePath = (try? readLink("/proc/\(tid)/exe")) ?? "?"
        let executable = try files.store(contentPath: "/proc/\(tid)/exe", displayPath: exePath)
        let maps = try ProcFiles.maps(of: tid)
        var interpreter: MappedFile?
        if let base = try ProcFiles.auxv(of: tid)[7], base != 0,  // AT_BASE
           let mapping = maps.first(where: { $0.start == base }) {
            interpreter = try files.store(contentPath: "/proc/\(tid)/map_files/\(hex(mapping.start))-\(hex(mapping.end))",
                                          displayPath: mapping.path)
        }
        guard let stack = maps.first(where: { $0.path == "[stack]" && $0.start <= registers.rsp && registers.rsp < $0.end }) else {
            throw RRError.incompatible("cannot find the initial stack of tid \(tid)")
        }
        let stackBytes = try tracee.readMemory(at: registers.rsp, count: Int(stack.end - registers.rsp))
        try VdsoPatcher.patch(tracee)
        try emit(.exec(ExecEvent(tid: tid, executable: executable, interpreter: interpreter,
                                 arguments: try ProcFiles.byteStrings("/proc/\(tid)/cmdline"),
                                 environment: try ProcFiles.byteStrings("/proc/\(tid)/environ"),
                                 registers: registers, stackBytes: stackBytes)))
        pendingEntry = nil  // the execve's own exit stop follows; it is part of this event
    }

    // MARK: syscalls

    private func syscallEntry() throws {
        var registers = try tracee.registers()
        let number = SyscallNumber(Int64(bitPattern: registers.origRax))
        guard let spec = SyscallModel.spec(for: number) else {
            throw RRError.unsupportedSyscall("\(number.name) (number \(number.rawValue))")
        }
        if let problem = spec.validate?(registers.syscallArguments) {
            throw RRError.unsupportedSyscall("\(number.name): \(problem)")
        }
        let entryRegisters = registers
        if number == .exit || number == .exit_group {
            // These never return: the event is complete at entry.
            try emit(.syscall(SyscallEvent(tid: tracee.tid, number: number, arguments: registers.syscallArguments,
                                           result: 0, entryDigest: registers.digest)))
            return
        }
        if spec.treatment == .refuse {
            registers.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try tracee.setRegisters(registers)
        }
        pendingEntry = PendingSyscall(registers: entryRegisters, spec: spec)
    }

    private func syscallExit() throws {
        guard let entry = pendingEntry else { return }  // exit of the exec that started this image
        pendingEntry = nil
        var registers = try tracee.registers()
        let number = entry.spec.number
        if entry.spec.treatment == .refuse {
            registers.rax = UInt64(bitPattern: -Int64(ENOSYS))
            try tracee.setRegisters(registers)
        }
        let result = registers.syscallResult
        let arguments = entry.arguments
        var event = SyscallEvent(tid: tracee.tid, number: number, arguments: arguments, result: result,
                                 entryDigest: entry.registers.digest)
        if entry.spec.treatment == .emulate {
            let ranges = try entry.spec.writtenRanges(SyscallContext(arguments: arguments, result: result, memory: tracee))
            event.writes = try ranges.map { MemoryWrite(address: $0.address, bytes: try tracee.readMemory(at: $0.address, count: $0.length)) }
        }
        if number == .mmap && result >= 0 && arguments[3] & 0x20 == 0 {  // not MAP_ANONYMOUS
            let fd = arguments[4]
            event.mappedFile = try files.store(contentPath: "/proc/\(tracee.tid)/fd/\(fd)",
                                               displayPath: (try? readLink("/proc/\(tracee.tid)/fd/\(fd)")) ?? "?")
        }
        if (number == .write || number == .writev) && result > 0 {
            event.echo = outputs.stream(forDescriptor: arguments[0])
        }
        outputs.update(after: number, arguments: arguments, result: result)
        try emit(.syscall(event))
    }

    // MARK: signals

    private func signalStop(_ signal: SignalNumber) throws {
        let registers = try tracee.registers()
        if signal == .sigsegv, let trap = try emulateTimestampCounter(registers) {
            try emit(.instructionTrap(trap))
            return
        }
        let siginfo = try tracee.siginfo()
        let code = siginfo.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int32.self) }
        let position: SignalPosition
        if signal.isSynchronousFault && code > 0 && code != 0x80 {
            position = .atFault
        } else if registers == registersAtResume {
            position = .afterPreviousEvent
        } else {
            position = .userSpace(rip: registers.rip, registerDigest: registers.digest)
        }
        try emit(.signal(SignalEvent(tid: tracee.tid, signal: signal, siginfo: siginfo, position: position)))
        pendingSignal = signal.rawValue
    }

    /// If the tracee faulted on RDTSC or RDTSCP (trapped by PR_SET_TSC), executes it here, gives
    /// the tracee the values and steps over the instruction.
    private func emulateTimestampCounter(_ registers: Registers) throws -> InstructionTrapEvent? {
        let code = try tracee.readMemory(at: registers.rip, count: 3)
        var updated = registers
        let kind: InstructionTrapEvent.Kind
        if code[0] == 0x0f && code[1] == 0x31 {
            kind = .rdtsc
            let value = rr_shim_rdtsc()
            updated.rax = value & 0xffff_ffff
            updated.rdx = value >> 32
            updated.rip += 2
        } else if code == [0x0f, 0x01, 0xf9] {
            kind = .rdtscp
            var aux: UInt32 = 0
            let value = rr_shim_rdtscp(&aux)
            updated.rax = value & 0xffff_ffff
            updated.rdx = value >> 32
            updated.rcx = UInt64(aux)
            updated.rip += 3
        } else {
            return nil
        }
        try tracee.setRegisters(updated)
        return InstructionTrapEvent(tid: tracee.tid, kind: kind, rip: registers.rip, rax: updated.rax,
                                    rdx: updated.rdx, rcx: updated.rcx)
    }
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

func readLink(_ path: String) throws -> String {
    var buffer = [CChar](repeating: 0, count: 4097)
    let n = readlink(path, &buffer, 4096)
    if n < 0 { throw RRError.system(call: "readlink", errno: errno, detail: path) }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
