import CRRShims
import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

extension Recorder {
    /// ERESTARTNOINTR: the kernel makes the call again after any signal, handler or not.
    static let restartNoIntr = 513
    static let protExec: UInt64 = 0x4, mapPrivate: UInt64 = 0x2

    func syscallEntry(_ task: RecordedTask) throws {
        var registers = try task.tracee.registers()
        RegisterLog.note(task.tracee, as: task.tid, "entry", registers)
        let number = SyscallNumber(Int64(bitPattern: registers.origRax))
        let entryRegisters = registers
        if task.stopRequested {
            // The supervisor's SIGSTOP is pending (sent as the thread made the call): the call
            // waits until the stop is handled, as a call the stop cut short would natively.
            registers.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try task.tracee.setRegisters(registers)
            task.pendingEntry = PendingSyscall(registers: entryRegisters, spec: SyscallModel.spec(for: number) ?? SyscallModel.refusedSpec(for: number),
                                               madeAgainAfterStop: true)
            return
        }
        if task.deferredSignal != nil, try canDeliverDeferredSignal(task, enteringSyscallAt: registers.rip) {
            // Delivered in this call, as if it had come during it (it cuts the call short the way
            // it would natively), rather than by a stop that could come while the call sleeps.
            raiseDeferredSignal(task)
        }
        if let refusal = SyscallModel.refusal(for: number, arguments: registers.syscallArguments, rip: registers.rip) {
            if let what = refusal.unsupported { warnAboutRefusal(what, refusal) }
            registers.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try task.tracee.setRegisters(registers)
            task.pendingEntry = PendingSyscall(registers: entryRegisters, spec: SyscallModel.spec(for: number) ?? SyscallModel.refusedSpec(for: number),
                                               emulated: .failure(refusal.error))
            return
        }
        guard let spec = SyscallModel.spec(for: number) else { throw RRError.unsupportedSyscall(number.name) }  // refused above
        if let emulated = try emulateProgramTracing(task, number, registers.syscallArguments) {
            registers.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
            try task.tracee.setRegisters(registers)
            task.pendingEntry = PendingSyscall(registers: entryRegisters, spec: spec, emulated: emulated)
            return
        }
        if task.inBlockedBufferedCall && registers.rip == SyscallBufferLayout.tracedSlot + 2
            && (registers.origRax == task.blockedBufferedCallNumber || number == .restart_syscall) {
            task.pendingEntry = PendingSyscall(registers: entryRegisters, spec: spec, entryRecorded: true, continuesBufferedCall: true)
            return
        }
        if let patch = try patchSyscallSite(task, registers, number) {
            try emit(.patch(patch))
            registers.origRax = UInt64(bitPattern: -1)  // skipped now, made again through the patch
            try task.tracee.setRegisters(registers)
            task.pendingEntry = PendingSyscall(registers: entryRegisters, spec: spec, patchedSite: patch.site)
            return
        }
        if number == .clone { try UntracedClone.clear(task.tracee) }
        if number == .exit || number == .exit_group {
            // These never return: the event is complete at entry.
            try emit(.syscall(SyscallEvent(tid: task.tid, number: number, arguments: registers.syscallArguments,
                                           result: 0, entryDigest: registers.digest)))
            task.pendingEntry = nil
            return
        }
        task.pendingEntry = PendingSyscall(registers: entryRegisters, spec: spec)
    }

    func syscallExit(_ task: RecordedTask) throws {
        guard let entry = task.pendingEntry else { return }  // exit of the exec that started this image
        task.pendingEntry = nil
        if entry.spec.number == .clone { try UntracedClone.restore(task.tracee, flags: entry.arguments[0]) }
        if entry.madeAgainAfterStop {
            // The kernel's restart of a call a signal cut short, once the pending SIGSTOP's stop
            // has been handled: back to the syscall instruction with the call's number.
            var registers = try task.tracee.registers()
            registers.rax = UInt64(bitPattern: -Int64(Self.restartNoIntr))
            registers.origRax = entry.registers.origRax
            try task.tracee.setRegisters(registers)
            return
        }
        if entry.continuesBufferedCall {
            // Interrupted by a signal, the call is made again from the traced slot after it.
            task.inBlockedBufferedCall = [-512, -513, -514, -516].contains(try task.tracee.registers().syscallResult)
            return
        }
        if let site = entry.patchedSite {
            var registers = try task.tracee.registers()
            registers.rip = site
            registers.rax = UInt64(bitPattern: entry.spec.number.rawValue)
            try task.tracee.setRegisters(registers)
            return
        }
        if !entry.redirections.isEmpty {
            try ScratchBuffers.restore(task, entry.redirections, spec: entry.spec, arguments: entry.arguments,
                                       result: try task.tracee.registers().syscallResult)
        }
        var registers = try task.tracee.registers()
        let number = entry.spec.number
        let arguments = entry.arguments
        if let emulated = entry.emulated {
            for write in emulated.writes { try task.tracee.writeMemory(at: write.address, bytes: write.bytes) }
            registers.rax = UInt64(bitPattern: emulated.result)
            registers.origRax = UInt64(bitPattern: number.rawValue)  // as the program made it (replay does the same)
            try task.tracee.setRegisters(registers)
            try emit(.syscall(SyscallEvent(tid: task.tid, number: number, arguments: arguments, result: emulated.result,
                                           entryDigest: entry.registers.digest, writes: emulated.writes)))
            return
        }
        let result = registers.syscallResult
        var event = SyscallEvent(tid: task.tid, number: number, arguments: arguments, result: result,
                                 entryDigest: entry.registers.digest)
        if entry.spec.treatment == .emulate {
            let ranges = try entry.spec.writtenRanges(SyscallContext(arguments: arguments, result: result, memory: task.tracee))
            try recordWrites(ranges, into: &event, task: task)
        }
        if number == .mmap && result >= 0 && arguments[3] & 0x20 == 0 {  // not MAP_ANONYMOUS
            event.mappedFile = try storeMappedDescriptor(task, fd: Int32(truncatingIfNeeded: arguments[4]))
            // Writable shared mappings are how processes share memory through a file; read-only
            // shared maps of system files (glibc's gconv cache) are routine and not warned about.
            if [1, 3].contains(arguments[3] & 0xf), arguments[2] & 0x2 != 0, let file = event.mappedFile {
                warnAboutSharedFile(file.path)
            }
            // Only a private mapping: writing into a shared one would change the file itself.
            if arguments[2] & Self.protExec != 0, arguments[3] & 0xf == Self.mapPrivate, let file = event.mappedFile {
                event.writes = try patchRandomInstructions(task, file: file, address: UInt64(bitPattern: result),
                                                           length: arguments[1], fileOffset: arguments[5])
            }
        }
        event.outputDigest = try OutputDigest.digest(of: number, arguments: arguments, result: result, memory: task.tracee)
        if (number == .write || number == .writev) && result > 0 {
            event.echo = task.process.outputs.stream(forDescriptor: arguments[0])
        }
        task.process.outputs.update(after: number, arguments: arguments, result: result)
        try noteSyscallBuffering(task, number: number, arguments: arguments, result: result)
        try emit(.syscall(event))
        if RegisterLog.isEnabled { RegisterLog.note(task.tracee, as: task.tid, "exit", try task.tracee.registers()) }
        if number == .sched_yield { task.eventsInARow = 1_000 }  // let another thread run
    }

    /// One line per refused syscall or operation, the first time a program makes it.
    func warnAboutRefusal(_ what: String, _ refusal: SyscallRefusal) {
        guard warnedRefusals.insert(what).inserted else { return }
        reportError(tool: "rr-supervisor", "warning: \(what) is not supported by the recorder; the program got \(refusal.errorName) instead, as from a kernel without it, and the recording goes on")
    }

    /// A file mapped MAP_SHARED and writable is memory that processes outside the recording may change; those
    /// changes are not recorded. POSIX shared memory in /dev/shm is shared between recorded
    /// processes as a rule (semaphores), and memfds belong to the recording: no warning for those.
    func warnAboutSharedFile(_ path: String) {
        guard !path.hasPrefix("/dev/shm/"), !path.hasPrefix("/memfd:"), warnedSharedFiles.insert(path).inserted else { return }
        reportError(tool: "rr-supervisor", "warning: \(path) is mapped shared; changes that processes outside the recording make to it are not recorded, and replay will not see them")
    }

    /// Whether a thread stopped for `signal` with `registers` is still where it was last resumed.
    /// Equal registers alone do not show it: a loop can come back to them (python3's interpreter
    /// does, its state in memory). It holds for a signal already queued at the resume (the kernel
    /// delivers those before any user instruction), and after a syscall through the page's traced
    /// slot: only that syscall leads there, and each one is an event.
    func ranNoUserCodeSinceResume(_ task: RecordedTask, _ registers: Registers, _ signal: SignalNumber) -> Bool {
        guard registers == task.registersAtResume else { return false }
        return task.signalsQueuedAtResume & signal.maskBit != 0 || registers.rip == SyscallBufferLayout.tracedSlot + 2
    }

    /// Records a signal-delivery-stop. Returns the stop that came in place of the step into a
    /// handler (another signal), which is handled next.
    func signalStop(_ task: RecordedTask, _ signal: SignalNumber) throws -> Stop? {
        let registers = try task.tracee.registers()
        if signal == .sigsegv, let trap = try emulateTimestampCounter(task, registers) {
            try flushSyscallBuffer(task)
            try emit(.instructionTrap(trap))
            return nil
        }
        if signal == .sigill, let trap = try emulateRandomInstruction(task, registers) {
            try flushSyscallBuffer(task)
            try emit(.instructionTrap(trap))
            return nil
        }
        var siginfo = try task.tracee.siginfo()
        if let again = task.raisedAgain, again.signal == signal {
            // A deferred signal raised again by the supervisor: it carries what it came with.
            task.raisedAgain = nil
            siginfo = again.siginfo
            try task.tracee.setSiginfo(siginfo)
        }
        let code = siginfo.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int32.self) }
        // SI_KERNEL (0x80) marks signals the kernel sends by itself; from a breakpoint
        // instruction (int3, the byte before rip) it is the instruction's own trap.
        let isFault = signal.isSynchronousFault && code > 0
            && (code != 0x80 || (signal == .sigtrap && (try? task.tracee.readMemory(at: registers.rip &- 1, count: 1)) == [0xcc]))
        if !isFault, try isIgnored(signal, by: task) {
            // Without a tracer the kernel drops an ignored signal when it is sent; under ptrace it
            // reports it first. Dropped here too, it changes nothing and needs no event.
            task.pendingSignal = 0
            task.stoppedWithoutEvent = true
            return nil
        }
        let position: SignalPosition
        let afterBufferedCall = try isJustAfterBufferedSyscall(task, registers)
        let afterPreviousEvent = afterBufferedCall || ranNoUserCodeSinceResume(task, registers, signal)
        if !isFault && !afterPreviousEvent, try isInBufferingCode(task, rip: registers.rip) {
            // Delivered once the thread is out of it. No event here, so no flush either: replay
            // checks a flush at the stop of the event that follows it.
            task.deferredSignal = (signal, siginfo)
            task.deferredAtEvent = eventCount
            deferredSignalCount += 1
            task.pendingSignal = 0
            task.stoppedWithoutEvent = true
            return nil
        }
        try flushSyscallBuffer(task, flags: afterBufferedCall ? [.stoppedAfterNextSyscall] : [])
        if afterBufferedCall { try noteStopAfterBufferedSyscall(task, registers) }
        if isFault {
            position = .atFault
        } else if afterPreviousEvent {
            position = .afterPreviousEvent
        } else {
            position = .userSpace(try userPosition(of: task, registers))
        }
        guard !isFault, try isCaught(signal, by: task) else {
            try emit(.signal(SignalEvent(tid: task.tid, signal: signal, siginfo: siginfo, position: position)))
            task.pendingSignal = signal.rawValue
            return nil
        }
        // Delivered now, one step into the handler, to read the frame's trap words.
        try task.tracee.resume(.singleStep, signal: signal.rawValue)
        let (_, stepped) = try Stop.wait(for: task.tid)
        let entry = try task.tracee.registers()
        var frame: TrapFrameWords?
        if entry.words[14] == UInt64(signal.rawValue) && entry.rdx == entry.rsp + 8 {  // rdi = signal, rdx = &uc
            let words = try task.tracee.readMemory(at: entry.rdx + TrapFrameWords.errOffset, count: 32)
            frame = TrapFrameWords(err: words.loadLittleEndian(UInt64.self, at: 0), trapno: words.loadLittleEndian(UInt64.self, at: 8),
                                   cr2: words.loadLittleEndian(UInt64.self, at: 24))
        }
        try emit(.signal(SignalEvent(tid: task.tid, signal: signal, siginfo: siginfo, position: position, frame: frame)))
        task.pendingSignal = 0
        // Another signal pending stops the thread at the handler's entry instead of the step.
        return stepped == .signal(.sigtrap) ? nil : stepped
    }

    /// Whether the task's process has a handler for `signal`, as /proc/TID/status says.
    private func isCaught(_ signal: SignalNumber, by task: RecordedTask) throws -> Bool {
        let caught = UInt64(try ProcFiles.statusFields(of: task.tid)["SigCgt"] ?? "0", radix: 16) ?? 0
        return caught >> UInt64(signal.rawValue - 1) & 1 == 1
    }

    /// Whether the task's process ignores `signal` (SIG_IGN), as /proc/TID/status says.
    private func isIgnored(_ signal: SignalNumber, by task: RecordedTask) throws -> Bool {
        let ignored = UInt64(try ProcFiles.statusFields(of: task.tid)["SigIgn"] ?? "0", radix: 16) ?? 0
        return ignored >> UInt64(signal.rawValue - 1) & 1 == 1
    }

    /// If the tracee faulted on RDTSC or RDTSCP (trapped by PR_SET_TSC), executes it here, gives
    /// the tracee the values and steps over the instruction.
    private func emulateTimestampCounter(_ task: RecordedTask, _ registers: Registers) throws -> InstructionTrapEvent? {
        let code = try task.tracee.readMemory(at: registers.rip, count: 3)
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
        try task.tracee.setRegisters(updated)
        RegisterLog.note(task.tracee, as: task.tid, "rdtsc", updated)
        return InstructionTrapEvent(tid: task.tid, kind: kind, rip: registers.rip, rax: updated.rax,
                                    rdx: updated.rdx, rcx: updated.rcx)
    }
}
