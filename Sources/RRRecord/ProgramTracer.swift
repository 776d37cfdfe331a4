import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// ptrace made by the recorded program itself (see ProgramPtraceRequest): the supervisor is the
/// real tracer of every thread, so these calls never reach the kernel. A thread the program
/// attaches to is held, never scheduled, until its tracer detaches or ends, as the SIGSTOP that
/// PTRACE_ATTACH sends would hold it; the tracer's wait4 for it reports that stop, and what it
/// reads of the thread comes from the supervisor's own view of it. Each call is recorded with
/// its result and what it wrote, and replayed from those like any emulated call.
extension Recorder {
    /// The result of a call emulated at its entry (or refused), put in place at its exit.
    struct EmulatedCall {
        var result: Int64
        var writes: [MemoryWrite] = []

        static func failure(_ error: Int32) -> EmulatedCall { EmulatedCall(result: -Int64(error)) }
    }

    /// Emulates the call at its entry if it is the program's tracing: any ptrace the model lets
    /// through, and a wait4 for a thread the caller has attached to. Nil: the call is not.
    func emulateProgramTracing(_ task: RecordedTask, _ number: SyscallNumber, _ arguments: [UInt64]) throws -> EmulatedCall? {
        if number == .ptrace, let request = ProgramPtraceRequest(rawValue: arguments[0]) {
            return try emulatePtrace(request, by: task, arguments)
        }
        if number == .wait4, let target = scheduler.task(Tid(Int32(truncatingIfNeeded: arguments[0]))),
           target.programTracer == task.tid {
            return waitForTracedThread(target, arguments)
        }
        return nil
    }

    private func emulatePtrace(_ request: ProgramPtraceRequest, by tracer: RecordedTask, _ arguments: [UInt64]) throws -> EmulatedCall {
        let targetTid = Tid(Int32(truncatingIfNeeded: arguments[1])), address = arguments[2], data = arguments[3]
        guard let target = scheduler.task(targetTid) else { return .failure(ESRCH) }
        if request == .attach {
            // The kernel refuses a thread of the caller's own process, or one already traced.
            guard target.process !== tracer.process, target.programTracer == nil else { return .failure(EPERM) }
            target.programTracer = tracer.tid
            target.hasStopToReport = true
            return EmulatedCall(result: 0)
        }
        guard target.programTracer == tracer.tid else { return .failure(ESRCH) }
        switch request {
        case .attach:
            preconditionFailure("handled above")
        case .detach:
            release(target)
            return EmulatedCall(result: 0)
        case .peekText, .peekData:
            guard let word = try? target.tracee.readMemory(at: address, count: 8) else { return .failure(EIO) }
            return EmulatedCall(result: 0, writes: [MemoryWrite(address: data, bytes: word)])
        case .getRegisters:
            return EmulatedCall(result: 0, writes: [MemoryWrite(address: data, bytes: try registers(of: target).bytes)])
        case .getFloatingPointRegisters:
            guard let state = try registerSet(.floatingPoint, of: target) else { return .failure(EIO) }
            return EmulatedCall(result: 0, writes: [MemoryWrite(address: data, bytes: state)])
        case .getRegisterSet:
            guard let set = ProgramPtraceRequest.RegisterSet(rawValue: address) else { return .failure(EINVAL) }
            guard let vector = try? tracer.tracee.readMemory(at: data, count: 16) else { return .failure(EFAULT) }
            let base = vector.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self) }
            let length = vector.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
            guard let state = try registerSet(set, of: target) else { return .failure(EIO) }
            // As the kernel does: as much as fits, and iov_len says how much that was.
            let copied = Array(state.prefix(Int(clamping: length)))
            let newLength = withUnsafeBytes(of: UInt64(copied.count).littleEndian) { Array($0) }
            return EmulatedCall(result: 0, writes: [MemoryWrite(address: base, bytes: copied),
                                                    MemoryWrite(address: data + 8, bytes: newLength)])
        }
    }

    /// wait4 for an attached thread: its attach stop, once; then nothing more is ever reported
    /// (only the stop is emulated, and it lasts until the detach).
    private func waitForTracedThread(_ target: RecordedTask, _ arguments: [UInt64]) -> EmulatedCall {
        let noHang: UInt64 = 1  // WNOHANG
        guard target.hasStopToReport else { return arguments[2] & noHang != 0 ? EmulatedCall(result: 0) : .failure(ECHILD) }
        target.hasStopToReport = false
        var call = EmulatedCall(result: Int64(target.tid.rawValue))
        if arguments[1] != 0 {
            call.writes.append(MemoryWrite(address: arguments[1],
                                           bytes: withUnsafeBytes(of: ProgramPtraceRequest.attachStopStatus.littleEndian) { Array($0) }))
        }
        if arguments[3] != 0 { call.writes.append(MemoryWrite(address: arguments[3], bytes: [UInt8](repeating: 0, count: SyscallModel.rusageSize))) }
        return call
    }

    /// The thread's registers as its tracer would see them: where it is stopped, or for a thread
    /// waiting in a syscall in the kernel, as it entered that syscall.
    private func registers(of target: RecordedTask) throws -> Registers {
        if scheduler.isInKernel(target), let entry = target.pendingEntry { return entry.registers }
        return try target.tracee.registers()
    }

    /// A register set of a stopped thread; nil for the floating-point sets of a thread in the
    /// kernel, which ptrace cannot read without stopping it.
    private func registerSet(_ set: ProgramPtraceRequest.RegisterSet, of target: RecordedTask) throws -> [UInt8]? {
        switch set {
        case .generalPurpose: return try registers(of: target).bytes
        case .floatingPoint, .extended:
            if scheduler.isInKernel(target) { return nil }
            let state = try target.tracee.extendedState()
            return set == .floatingPoint ? Array(state.prefix(ProgramPtraceRequest.floatingPointSize)) : state
        }
    }

    /// The thread runs again: detached, or its tracer has ended.
    func release(_ target: RecordedTask) {
        target.programTracer = nil
        target.hasStopToReport = false
    }

    /// A tracer that ends lets go of the threads it was attached to, as the kernel would.
    func releaseThreads(tracedBy tracer: Tid) {
        for task in scheduler.allTasks where task.programTracer == tracer { release(task) }
    }
}
