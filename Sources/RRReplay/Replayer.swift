import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// Replays a recording: re-executes the program's own code in a fresh process under ptrace,
/// performs for real only the syscalls that shape the address space and signal state, injects the
/// recorded results of all others, and checks every event against the recording.
public final class Replayer {
    public struct Options {
        public var cpu: Int32 = 0
        public var cacheDirectory = "/tmp/.rrs"
        public init() {}
    }

    private let events: EventSource
    private let files: FileCache
    private let options: Options
    private var tracee: Tracee!
    private var pending: PendingSyscall?
    private var pendingSignal: Int32 = 0
    private var pendingExec: ExecEvent?
    private let echo = EchoOutput()
    /// The recorded thread id of the replayed thread (the kernel gives replay a different one).
    private var recordedTid = Tid(0)

    /// A syscall whose entry was matched and whose exit is awaited.
    struct PendingSyscall {
        var event: SyscallEvent
        var executed: Bool
        var entryRegisters: Registers
    }

    public init(reader: StreamReader, options: Options) throws {
        self.options = options
        self.files = try FileCache(directory: options.cacheDirectory)
        self.events = try EventSource(reader: reader, files: files)
        if let recorded = events.header?.cpuModel, recorded != MachineInfo.cpuModel {
            throw RRError.incompatible("the trace was recorded on CPU \"\(recorded)\", this machine has \"\(MachineInfo.cpuModel)\" (CPUID cannot be trapped, so the program could take other paths)")
        }
    }

    /// How a replay ended.
    public enum Outcome: Equatable {
        /// The whole recording replayed; the recorded program's status as a shell reports it.
        case completed(status: Int32)
        /// A truncated trace (read with `partial`) replayed up to its last complete block.
        case prefixReplayed(events: UInt64, bytes: UInt64, blocks: UInt32)
    }

    /// Replays to the end of the trace.
    public func replay() throws -> Outcome {
        Spawner.pinSelf(to: options.cpu)
        guard case let .exec(first)? = try events.peek() else {
            if let end = events.end, !end.error.isEmpty { throw RRError.usage("the recording holds no events: \(end.error)") }
            throw RRError.corruptTrace("the trace does not start with an exec event")
        }
        let (path, patch) = try files.executable(for: first)
        var spawnOptions = Spawner.Options(cpu: options.cpu)
        spawnOptions.noCoreDumps = true
        tracee = try Spawner.spawn(path: path, arguments: first.arguments, environment: first.environment, options: spawnOptions)
        defer { if tracee != nil { tracee.kill(); _ = try? Stop.wait(for: tracee.tid) } }
        recordedTid = first.tid
        try applyExec(first, copyPath: path, interpreterPatch: patch)
        guard let status = try run() else {
            return .prefixReplayed(events: events.index, bytes: events.completeBytes, blocks: events.completeBlocks)
        }
        tracee = nil
        echo.flush()
        if let end = events.end, !end.error.isEmpty {
            throw RRError.usage("replayed to the end of an incomplete recording: \(end.error)")
        }
        return .completed(status: status)
    }

    private func divergence(_ expected: String, _ actual: String) -> RRError {
        echo.flush()
        if (try? events.peek()) == nil, let end = events.end, !end.error.isEmpty {
            return .usage("replayed all of a recording that stopped early: \(end.error)")
        }
        return .divergence(event: events.index, tid: recordedTid, expected: expected, actual: actual)
    }

    private func expectedDescription() throws -> String {
        try events.peek()?.summary ?? "the end of the trace"
    }

    /// Runs the tracee through the recorded events; nil when a truncated trace ran out first.
    private func run() throws -> Int32? {
        while true {
            if events.readerEndedEarly, try events.peek() == nil { return nil }
            let signal = pendingSignal
            pendingSignal = 0
            try tracee.resume(.toSyscall, signal: signal)
            let (_, stop) = try Stop.wait(for: tracee.tid)
            switch stop {
            case .syscall:
                if try tracee.isSyscallEntry() { try syscallEntry() } else { try syscallExit() }
            case .exec:
                guard let exec = pendingExec else { throw divergence(try expectedDescription(), "an unexpected exec") }
                pendingExec = nil
                let (path, patch) = try files.executable(for: exec)
                try applyExec(exec, copyPath: path, interpreterPatch: patch)
            case .exiting:
                try exiting()
            case .signal(let signal):
                try signalStop(signal)
            case let .exited(_, status), let .killed(_, status):
                return try exited(status)
            case .otherEvent(let event):
                throw divergence(try expectedDescription(), "ptrace event \(event)")
            }
        }
    }

    // MARK: exec

    /// Makes the freshly exec'd image identical to the recorded one: original PT_INTERP bytes,
    /// the recorded initial stack (argv, envp, auxv, AT_RANDOM) and registers, patched vDSO.
    private func applyExec(_ exec: ExecEvent, copyPath: String, interpreterPatch: (offset: Int, bytes: [UInt8])?) throws {
        tracee.forgetAddressSpace()
        let maps = try ProcFiles.maps(of: tracee.tid)
        if let patch = interpreterPatch {
            let resolved = (try? realPath(copyPath)) ?? copyPath
            guard let mapping = maps.first(where: { ($0.path == copyPath || $0.path == resolved) && $0.offset <= UInt64(patch.offset)
                && UInt64(patch.offset) < $0.offset + ($0.end - $0.start) }) else {
                throw divergence("exec of \(exec.executable.path)", "no mapping holds its PT_INTERP")
            }
            try tracee.writeMemory(at: mapping.start + UInt64(patch.offset) - mapping.offset, bytes: patch.bytes)
        }
        let registers = try tracee.registers()
        guard registers.rip == exec.registers.rip else {
            throw divergence("exec entering at 0x\(String(exec.registers.rip, radix: 16))",
                             "entry at 0x\(String(registers.rip, radix: 16)) (different memory layout)")
        }
        let stackTop = exec.registers.rsp + UInt64(exec.stackBytes.count)
        guard maps.contains(where: { $0.path == "[stack]" && $0.start <= exec.registers.rsp && $0.end == stackTop }) else {
            throw divergence("initial stack ending at 0x\(String(stackTop, radix: 16))", "a different stack layout")
        }
        try tracee.writeMemory(at: exec.registers.rsp, bytes: exec.stackBytes)
        try tracee.setRegisters(exec.registers)
        try VdsoPatcher.patch(tracee)
        events.advance()
    }

    // MARK: syscalls

    private func syscallEntry() throws {
        var registers = try tracee.registers()
        let number = SyscallNumber(Int64(bitPattern: registers.origRax))
        let expected = try events.peek()
        if case let .exec(exec)? = expected, number == .execve {
            try redirectExec(exec, registers: registers)
            return
        }
        guard case let .syscall(event)? = expected, event.tid == recordedTid else {
            throw divergence(try expectedDescription(), "syscall \(number.name)")
        }
        let arguments = registers.syscallArguments
        guard event.number == number, event.arguments == arguments else {
            let actual = SyscallEvent(tid: tracee.tid, number: number, arguments: arguments, result: event.result, entryDigest: 0)
            throw divergence(event.summary(withArguments: true), actual.summary(withArguments: true))
        }
        guard event.entryDigest == registers.digest else {
            throw divergence("\(number.name) entered with register digest \(event.entryDigest)", "digest \(registers.digest)")
        }
        guard let spec = SyscallModel.spec(for: number) else { throw RRError.unsupportedSyscall(number.name) }
        if event.echo != .none { try echoOutput(of: event) }
        if number == .exit || number == .exit_group {
            events.advance()
            return
        }
        let execute = (spec.treatment == .execute || spec.treatment == .executeWithRecordedResult) && number != .execve
        if execute {
            if number == .mmap && event.result >= 0 { registers.syscallArguments = Self.replayMmapArguments(event) }
        } else {
            registers.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
        }
        try tracee.setRegisters(registers)
        pending = PendingSyscall(event: event, executed: execute, entryRegisters: try tracee.registers())
        pending!.entryRegisters.syscallArguments = arguments
    }

    /// mmap in replay always lands at the recorded address; a file mapping becomes a private
    /// anonymous one that replay fills with the file's recorded content.
    static func replayMmapArguments(_ event: SyscallEvent) -> [UInt64] {
        var arguments = event.arguments
        let fixedNoReplace: UInt64 = 0x10_0000, fixed: UInt64 = 0x10, anonymous: UInt64 = 0x20, privateMap: UInt64 = 0x2
        arguments[0] = UInt64(bitPattern: event.result)
        if event.mappedFile != nil {
            arguments[3] = (arguments[3] & ~0xf & ~fixedNoReplace) | privateMap | anonymous | fixed
            arguments[4] = UInt64(bitPattern: -1)
            arguments[5] = 0
        } else {
            arguments[3] = (arguments[3] & ~fixedNoReplace) | fixed
        }
        return arguments
    }

    private func syscallExit() throws {
        guard let call = pending else { return }  // the exit stop of an exec that replaced the image
        pending = nil
        let event = call.event
        var registers = try tracee.registers()
        if call.executed {
            if SyscallModel.spec(for: event.number)?.treatment == .executeWithRecordedResult {
                registers.rax = UInt64(bitPattern: event.result)
            }
            guard registers.syscallResult == event.result else {
                throw divergence("\(event.number.name) returning \(event.result)", "it returned \(registers.syscallResult)")
            }
            registers.syscallArguments = call.entryRegisters.syscallArguments
            try tracee.setRegisters(registers)
            if let file = event.mappedFile, event.number == .mmap { try fillMapping(event, file: file) }
        } else {
            registers.rax = UInt64(bitPattern: event.result)
            registers.origRax = UInt64(bitPattern: event.number.rawValue)
            try tracee.setRegisters(registers)
            for write in event.writes { try tracee.writeMemory(at: write.address, bytes: write.bytes) }
        }
        events.advance()
        try injectSignalAfterPreviousEvent()
    }

    /// Copies the recorded file content into a replayed file mapping.
    private func fillMapping(_ event: SyscallEvent, file: MappedFile) throws {
        let content = try files.contents(of: file.hash)
        let offset = Int(event.arguments[5]), length = Int(event.arguments[1])
        guard offset < content.count else { return }
        let end = min(content.count, offset + length)
        try tracee.writeMemory(at: UInt64(bitPattern: event.result), bytes: Array(content[offset..<end]))
    }

    /// Replaces the path of a successful execve with the cached copy of the recorded executable.
    private func redirectExec(_ exec: ExecEvent, registers: Registers) throws {
        var registers = registers
        let (path, _) = try files.executable(for: exec)
        let bytes = Array(path.utf8) + [0]
        // Below the red zone and well clear of the live stack; the exec discards this memory.
        let address = (registers.rsp - 16384 - UInt64(bytes.count)) & ~15
        try tracee.writeMemory(at: address, bytes: bytes)
        var arguments = registers.syscallArguments
        arguments[0] = address
        registers.syscallArguments = arguments
        try tracee.setRegisters(registers)
        pendingExec = exec
    }

    private func echoOutput(of event: SyscallEvent) throws {
        let total = Int(event.result)
        var ranges: [MemoryRange]
        if event.number == .writev {
            ranges = try SyscallSpec.scatterRanges(iovecs: event.arguments[1], count: Int(event.arguments[2]), total: total, memory: tracee)
        } else {
            ranges = [MemoryRange(address: event.arguments[1], length: total)]
        }
        for range in ranges {
            echo.write(try tracee.readMemory(at: range.address, count: range.length), to: event.echo)
        }
    }

    // MARK: signals and exits

    /// A signal recorded right after the event just replayed is made pending now, so the kernel
    /// delivers it before any user code runs, as it did when recording.
    private func injectSignalAfterPreviousEvent() throws {
        if case let .signal(signal)? = try events.peek(), signal.position == .afterPreviousEvent {
            pendingSignal = signal.signal.rawValue
        }
    }

    private func signalStop(_ signal: SignalNumber) throws {
        let registers = try tracee.registers()
        let expected = try events.peek()
        if signal == .sigsegv, case let .instructionTrap(trap)? = expected {
            guard trap.rip == registers.rip else {
                throw divergence(trap.rip == 0 ? "rdtsc" : "rdtsc at 0x\(String(trap.rip, radix: 16))",
                                 "SIGSEGV at 0x\(String(registers.rip, radix: 16))")
            }
            var updated = registers
            updated.rax = trap.rax
            updated.rdx = trap.rdx
            if trap.kind == .rdtscp { updated.rcx = trap.rcx }
            updated.rip += trap.kind == .rdtsc ? 2 : 3
            try tracee.setRegisters(updated)
            events.advance()
            try injectSignalAfterPreviousEvent()
            return
        }
        guard case let .signal(event)? = expected, event.signal == signal else {
            throw divergence(try expectedDescription(), "signal \(signal) at 0x\(String(registers.rip, radix: 16))")
        }
        if case .userSpace = event.position {
            throw RRError.incompatible("event \(events.index) is an asynchronous signal inside user code; replaying those needs the asynchronous-event support of a later version")
        }
        try tracee.setSiginfo(event.siginfo)
        pendingSignal = signal.rawValue
        events.advance()
    }

    private func exiting() throws {
        guard case let .exit(exit)? = try events.peek() else {
            throw divergence(try expectedDescription(), "the thread exiting")
        }
        if let recorded = exit.finalRegisters {
            let registers = try tracee.registers()
            guard registers == recorded else {
                throw divergence("final registers as recorded", registers.differences(from: recorded).joined(separator: ", "))
            }
        }
    }

    private func exited(_ status: Int32) throws -> Int32 {
        guard case let .exit(exit)? = try events.peek() else {
            throw divergence(try expectedDescription(), "the process ending with status \(status)")
        }
        let actual = ExitEvent(tid: tracee.tid, waitStatus: status, finalRegisters: nil)
        guard actual.shellStatus == exit.shellStatus else {
            throw divergence("exit status \(exit.shellStatus)", "exit status \(actual.shellStatus)")
        }
        events.advance()
        if let extra = try events.peek() { throw divergence(extra.summary, "the program already ended") }
        tracee = nil
        return exit.shellStatus
    }
}

func realPath(_ path: String) throws -> String {
    guard let resolved = realpath(path, nil) else { throw RRError.system(call: "realpath", errno: errno, detail: path) }
    defer { free(resolved) }
    return String(cString: resolved)
}
