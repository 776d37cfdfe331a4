import CRRShims
import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// What the preload library told the supervisor about a process (RR_CALL_INIT_PROCESS).
final class PreloadLibrary {
    let stubArea: RemoteAddress
    let stubAreaSize: UInt64
    let trampoline: RemoteAddress
    /// The library's count of vfork children running on the process's memory.
    let vforkChildren: RemoteAddress
    /// Bytes of the stub area used so far.
    var stubsUsed: UInt64 = 0
    /// Syscall sites already considered for patching (patched or found unsuitable).
    var consideredSites: Set<RemoteAddress> = []
    /// The library's code (found from the trampoline's mapping when first needed).
    var codeRange: Range<RemoteAddress>?
    /// Every syscall buffer a thread registered in this address space (they outlive their threads).
    var buffers: [RemoteAddress] = []

    init(stubArea: RemoteAddress, stubAreaSize: UInt64, trampoline: RemoteAddress, vforkChildren: RemoteAddress) {
        self.stubArea = stubArea
        self.stubAreaSize = stubAreaSize
        self.trampoline = trampoline
        self.vforkChildren = vforkChildren
    }

    /// A forked child's copy of the memory has the same stubs and patches.
    func copy() -> PreloadLibrary {
        let copy = PreloadLibrary(stubArea: stubArea, stubAreaSize: stubAreaSize, trampoline: trampoline, vforkChildren: vforkChildren)
        copy.stubsUsed = stubsUsed
        copy.consideredSites = consideredSites
        copy.codeRange = codeRange
        copy.buffers = buffers
        return copy
    }
}

extension RecordedTask {
    func closeDeschedDescriptor() {
        if let descriptor = deschedDescriptor { close(descriptor) }
        deschedDescriptor = nil
    }
}

extension Recorder {
    /// Sanitizer runtimes that check at start-up that they come first in the initial library
    /// list, and abort otherwise (AddressSanitizer, ThreadSanitizer, as gcc links them).
    static let runtimesThatComeFirst = ["libasan.so", "libtsan.so", "libhwasan.so"]

    /// The environment with the preload library first in LD_PRELOAD (keeping the user's own),
    /// after a sanitizer runtime that `program` needs and that must itself come first.
    func preloading(_ environment: [String], program: String) -> [String] {
        guard let library = options.syscallBufferLibrary else { return environment }
        var result = environment.filter { !$0.hasPrefix("LD_PRELOAD=") }
        let existing = environment.last { $0.hasPrefix("LD_PRELOAD=") }.map { String($0.dropFirst("LD_PRELOAD=".count)) }
        let runtimes = Self.sanitizerRuntimes(of: program)
        result.append("LD_PRELOAD=" + (runtimes + [library] + (existing.map { [$0] } ?? [])).joined(separator: ":"))
        return result
    }

    /// The libraries of `runtimesThatComeFirst` that the executable at `path` names (none when it
    /// cannot be read as ELF: a script, or a program the kernel will refuse anyway).
    static func sanitizerRuntimes(of path: String) -> [String] {
        guard let bytes = try? ProcFiles.read(path), let image = ElfImage(bytes) else { return [] }
        return image.neededLibraries.filter { name in runtimesThatComeFirst.contains { name.hasPrefix($0) } }
    }

    /// Sends the records the thread buffered since its last flush, and empties its buffer when the
    /// thread is not in the middle of a buffered syscall. Called at every stop of the thread
    /// before its event, so the records precede, in the trace, everything the thread did after.
    func flushSyscallBuffer(_ task: RecordedTask, flags extra: SyscallBufferFlush.Flags = []) throws {
        guard let base = task.buffer else { return }
        let header = try task.tracee.readMemory(at: base, count: 8)
        let recorded = header.loadLittleEndian(UInt32.self, at: 0)
        let busy = header.loadLittleEndian(UInt32.self, at: Int(SyscallBufferLayout.busyOffset)) != 0
        // The library has finished the call that blocked (a signal handler ran, and the call
        // ended in EINTR instead of being restarted): it is no longer going on in the traced slot.
        if !busy { task.inBlockedBufferedCall = false }
        guard recorded > task.flushedBytes || (!busy && recorded > 0) || !extra.isEmpty else { return }
        guard UInt64(recorded) <= SyscallBufferLayout.recordsSize, recorded >= task.flushedBytes else {
            throw RRError.incompatible("thread \(task.tid)'s syscall buffer is damaged (\(recorded) bytes recorded, \(task.flushedBytes) sent)")
        }
        let records = recorded > task.flushedBytes
            ? try task.tracee.readMemory(at: base + SyscallBufferLayout.headerSize + UInt64(task.flushedBytes),
                                         count: Int(recorded - task.flushedBytes))
            : []
        var flags = extra
        if !busy { flags.insert(.reset) }
        if !records.isEmpty || !busy { task.flaggedBufferedCallStop = nil }  // the buffer moved on
        let flush = SyscallBufferFlush(tid: task.tid, offset: task.flushedBytes, flags: flags, records: records)
        try sink.send(.event(.bufferFlush(flush)))
        bufferedSyscallCount += flush.calls.count
        if busy {
            task.flushedBytes = recorded
        } else {
            try task.tracee.writeMemory(at: base, bytes: [0, 0, 0, 0])
            task.flushedBytes = 0
        }
    }

    /// The desched event's signal: the thread was switched out inside a buffered syscall. If the
    /// syscall is still waiting (the signal interrupted it), it is made again from the traced slot
    /// so that the scheduler can let other threads run meanwhile. Either way the signal is not
    /// delivered and the thread goes on at once: this stop is no event, so no other thread may run
    /// here (its user code since its last event would run in another order in replay). Returns
    /// false if this was not a desched signal.
    func handleDeschedSignal(_ task: RecordedTask, _ signal: SignalNumber) throws -> Bool {
        guard task.buffer != nil else { return false }
        if signal == .sigstop && task.interruptRequested {
            task.interruptRequested = false  // our own SIGSTOP (see interruptIfBlockedInBufferedSyscall)
        } else {
            guard signal == SyscallBufferLayout.deschedSignal else { return false }
            let code = try task.tracee.siginfo().loadLittleEndian(UInt32.self, at: 8)
            guard (1...6).contains(code) else { return false }  // the kernel's POLL_* codes, not a kill()
        }
        // Stop counting: each ptrace stop switches the thread out and would raise the signal
        // again. A thread preempted before its syscall then makes it unwatched; if that call
        // blocks, interruptIfBlockedInBufferedSyscall gets it out.
        if let descriptor = task.deschedDescriptor { _ = rr_shim_disable_perf_event(descriptor) }
        var registers = try task.tracee.registers()
        // epoll_wait and some others fail with EINTR rather than asking for a restart; the desched
        // signal is never delivered, so the program must not see that EINTR either.
        let interrupted = [-4, -512, -513, -514, -516].contains(registers.syscallResult)
        if registers.rip == SyscallBufferLayout.recordedSlot + 2 && interrupted && !task.inBlockedBufferedCall {
            try flushSyscallBuffer(task, flags: [.blockedInNext])
            registers.rax = registers.origRax
            registers.rip = SyscallBufferLayout.tracedSlot
            try task.tracee.setRegisters(registers)
            task.inBlockedBufferedCall = true
            task.blockedBufferedCallNumber = registers.origRax
        }
        task.eventsInARow -= 1
        try task.tracee.resume(task.resumeMode)
        scheduler.setRunner(task, inSyscall: false)
        return true
    }

    /// The running thread has not stopped for a while and others wait: if it sleeps in a buffered
    /// syscall (its desched signal blocked by its signal mask), SIGSTOP, which cannot be blocked,
    /// interrupts the call like the desched signal would.
    func interruptIfBlockedInBufferedSyscall(_ task: RecordedTask) {
        guard let text = try? ProcFiles.read("/proc/\(task.tid)/syscall") else { return }
        // "number arg1 ... arg6 sp pc" while the thread sleeps in a syscall
        let fields = String(decoding: text, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 9, let pc = UInt64(fields[8].dropFirst(2), radix: 16),
              pc == SyscallBufferLayout.recordedSlot + 2 else { return }
        task.interruptRequested = true
        _ = rr_shim_tgkill(task.process.leader.rawValue, task.tid.rawValue, SIGSTOP)
    }

    /// A stop just after an untraced syscall instruction (a signal arriving as it returned):
    /// replay can bring the thread to the same point, so the signal counts as delivered right
    /// after the buffered call rather than somewhere in user code. Once per call: a second signal
    /// right after the first one's handler returned (SIGHUP, then SIGCHLD) finds the thread there
    /// again, where replay already is after the handler's rt_sigreturn.
    func isJustAfterBufferedSyscall(_ task: RecordedTask, _ registers: Registers) throws -> Bool {
        guard let base = task.buffer,
              registers.rip == SyscallBufferLayout.recordedSlot + 2 || registers.rip == SyscallBufferLayout.replayedSlot + 2 else { return false }
        let recorded = try task.tracee.readMemory(at: base, count: 4).loadLittleEndian(UInt32.self, at: 0)
        if let flagged = task.flaggedBufferedCallStop, flagged.rip == registers.rip, flagged.recorded == recorded { return false }
        return true
    }

    /// Notes the stop just flushed as being after its next buffered syscall (see above).
    func noteStopAfterBufferedSyscall(_ task: RecordedTask, _ registers: Registers) throws {
        guard let base = task.buffer else { return }
        let recorded = try task.tracee.readMemory(at: base, count: 4).loadLittleEndian(UInt32.self, at: 0)
        task.flaggedBufferedCallStop = (registers.rip, recorded)
    }

    /// The library's calls to the supervisor, and the effects of other syscalls on buffering.
    func noteSyscallBuffering(_ task: RecordedTask, number: SyscallNumber, arguments: [UInt64], result: Int64) throws {
        switch number {
        case SyscallBufferLayout.initProcessCall where options.syscallBufferLibrary != nil:
            task.process.preload = PreloadLibrary(stubArea: arguments[0], stubAreaSize: arguments[1], trampoline: arguments[2],
                                                  vforkChildren: arguments[4])
        case SyscallBufferLayout.initThreadCall where options.syscallBufferLibrary != nil:
            task.buffer = arguments[0]
            if task.process.preload?.buffers.contains(arguments[0]) == false { task.process.preload?.buffers.append(arguments[0]) }
            task.flushedBytes = 0
            task.closeDeschedDescriptor()
            let descriptor = Int32(truncatingIfNeeded: Int64(bitPattern: arguments[2]))
            if descriptor >= 0 {
                let copy = rr_shim_copy_descriptor(task.process.leader.rawValue, descriptor)
                if copy >= 0 { task.deschedDescriptor = copy }
            }
        case .seccomp where result == 0 && arguments[0] == 1:  // SECCOMP_SET_MODE_FILTER
            // With SECCOMP_FILTER_FLAG_TSYNC the filter covers every thread of the process.
            for other in scheduler.tasks(of: task.process) where arguments[1] & 1 != 0 || other === task {
                other.seccompActive = true
            }
        case .vfork where result > 0, .clone where result > 0:
            if SyscallBufferLayout.sharesMemoryOnly(cloneFlags: SyscallBufferLayout.cloneFlags(number, arguments: arguments)),
               let counter = task.process.preload?.vforkChildren {
                try task.tracee.addToCounter(at: counter, -1)  // the child exec'd or exited
            }
        default:
            break
        }
    }

    /// A new task's buffering state: a forked child keeps (a copy of) its parent thread's
    /// buffer; a vfork child (or any child sharing the memory but not the thread group) uses the
    /// parent thread's TLS, so buffering is off in the process until the parent resumes.
    func inheritSyscallBuffering(parent: RecordedTask, child: RecordedTask, cloneFlags: UInt64, sharesThreadGroup: Bool) throws {
        guard !sharesThreadGroup else { return }
        if SyscallBufferLayout.sharesMemoryOnly(cloneFlags: cloneFlags) {
            if let counter = parent.process.preload?.vforkChildren { try parent.tracee.addToCounter(at: counter, 1) }
        } else {
            child.buffer = parent.buffer
            child.flushedBytes = parent.flushedBytes
        }
    }
}
