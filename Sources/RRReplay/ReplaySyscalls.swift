import RRCore
import RRPtrace

extension Replayer {
    func replaySyscall(_ event: SyscallEvent, on task: ReplayTask) throws {
        if case let .inSyscall(entry) = task.position {
            try finishTaskCreation(event, on: task, entry: entry)
            return
        }
        var registers = try reachSyscallEntry(task, number: event.number, arguments: event.arguments,
                                              digest: event.entryDigest) { event.summary(withArguments: true) }
        // A call the recorder refused did not run and failed; it does not run in replay either.
        let refusal = SyscallModel.refusal(for: event.number, arguments: event.arguments, rip: registers.rip)
        let spec = (refusal == nil ? SyscallModel.spec(for: event.number) : nil) ?? SyscallModel.refusedSpec(for: event.number)
        try checkOutput(of: event, on: task)
        if event.echo != .none { try echoOutput(of: event, from: task) }
        if event.number == .exit || event.number == .exit_group {
            task.position = .exiting  // replayExit runs it to its end
            return
        }
        if event.number == .mmap, event.result >= 0, let file = event.mappedFile {
            try replayFileMapping(event, file: file, on: task, entry: registers)
            task.position = .stopped
            task.lastSyscall = event
            return
        }
        // A call that failed when recorded had no effect; replay only injects its error (a clone
        // interrupted with -ERESTARTNOINTR must not create a task). rt_sigreturn returns whatever
        // rax it restores, so its "errors" are not errors.
        let failed = event.result < 0 && event.result >= -4095 && event.number != .rt_sigreturn
        let execute = (spec.treatment == .execute || spec.treatment == .executeWithRecordedResult) && !failed
        let originalArguments = registers.syscallArguments
        if execute {
            if event.number == .mmap && event.result >= 0 { registers.syscallArguments = Self.replayMmapArguments(event) }
        } else {
            registers.origRax = UInt64(bitPattern: -1)  // the kernel skips syscall -1
        }
        try task.tracee.setRegisters(registers)
        task.position = .inSyscall(entry: registers)
        let stop = try nextStop(task)
        guard stop == .syscall else { throw divergence(event.summary(withArguments: false), describeStop(stop, task)) }
        var exitRegisters = try task.tracee.registers()
        if execute {
            if spec.treatment == .executeWithRecordedResult { exitRegisters.rax = UInt64(bitPattern: event.result) }
            if event.number == .rt_sigreturn && exitRegisters.rip == SyscallBufferLayout.recordedSlot {
                // The handler interrupted a buffered syscall that had blocked: when recorded, after
                // its traced remake returned (rax its result); in replay, at the call's start, where
                // the slot's replay image is yet to load that result from the record.
                exitRegisters.rax = UInt64(bitPattern: event.result)
            }
            guard exitRegisters.syscallResult == event.result else {
                throw divergence("\(event.number.name) returning \(event.result)", "it returned \(exitRegisters.syscallResult)")
            }
            if event.number == .set_tid_address { task.clearChildTid = event.arguments[0] }
            if event.number == .set_robust_list { task.robustList = (event.arguments[0], event.arguments[1]) }
            if exitRegisters.syscallArguments != originalArguments && event.number == .mmap {
                exitRegisters.syscallArguments = originalArguments  // undo replay's rewrite of mmap's arguments
            }
            try task.tracee.setRegisters(exitRegisters)
        } else {
            exitRegisters.rax = UInt64(bitPattern: event.result)
            exitRegisters.origRax = UInt64(bitPattern: event.number.rawValue)
            try task.tracee.setRegisters(exitRegisters)
            for write in event.writes { try task.tracee.writeMemory(at: write.address, bytes: write.bytes) }
            for write in event.storedWrites { try copyStoredWrite(write, into: task) }
            if let debugger {
                // Written through ptrace, which no debug register sees.
                let written = event.writes.map { ($0.address, $0.bytes.count) }
                    + event.storedWrites.map { write in (write.address, write.pieces.reduce(0) { $0 + Int($1.size) }) }
                try debugger.syscallWrote(written, on: task)
            }
            if [-512, -513, -514, -516].contains(event.result) { task.restartableSyscall = (event.number, event.result) }
        }
        if refusal == nil { try noteSyscallBuffering(event, on: task) }
        if RegisterLog.isEnabled { RegisterLog.note(task.tracee, as: task.recordedTid, "exit", try task.tracee.registers()) }
        task.position = .stopped
        task.lastSyscall = event
    }

    /// The rest of a fork/vfork/clone whose creation event was replayed: its exit, with the
    /// recorded child tid as result and in the tid fields the kernel filled in.
    private func finishTaskCreation(_ event: SyscallEvent, on task: ReplayTask, entry: Registers) throws {
        let stop = try nextStop(task)
        guard stop == .syscall else { throw divergence(event.summary(withArguments: false), describeStop(stop, task)) }
        var registers = try task.tracee.registers()
        registers.rax = UInt64(bitPattern: event.result)
        if event.number == .clone { registers.syscallArguments = entry.syscallArguments }  // the flags as the program had them (UntracedClone)
        try task.tracee.setRegisters(registers)
        try noteSyscallBuffering(event, on: task)
        if RegisterLog.isEnabled { RegisterLog.note(task.tracee, as: task.recordedTid, "exit", try task.tracee.registers()) }
        task.position = .stopped
    }

    /// mmap in replay always lands at the recorded address; a mapping of /dev/zero (a file
    /// mapping that carries no file) becomes the anonymous memory it is. (File mappings are
    /// replayed by `replayFileMapping`.)
    static func replayMmapArguments(_ event: SyscallEvent) -> [UInt64] {
        var arguments = event.arguments
        let fixedNoReplace: UInt64 = 0x10_0000, fixed: UInt64 = 0x10, anonymous: UInt64 = 0x20
        arguments[0] = UInt64(bitPattern: event.result)
        if arguments[3] & anonymous == 0 {
            arguments[3] = (arguments[3] & ~fixedNoReplace) | anonymous | fixed
            arguments[4] = UInt64(bitPattern: -1)
            arguments[5] = 0
        } else {
            arguments[3] = (arguments[3] & ~fixedNoReplace) | fixed
        }
        return arguments
    }

    /// Copies a write kept by content into memory, piece by piece.
    private func copyStoredWrite(_ write: StoredWrite, into task: ReplayTask) throws {
        var address = write.address
        for piece in write.pieces {
            let bytes = try files.contents(of: piece.hash, keepingRecent: false)
            guard bytes.count == Int(piece.size) else {
                throw RRError.corruptTrace("stored content \(piece.hash.hex.prefix(12)) holds \(bytes.count) bytes, not the \(piece.size) the event reads")
            }
            try task.tracee.writeMemory(at: address, bytes: bytes)
            address += UInt64(piece.size)
        }
    }

    /// The bytes a write-like call is about to output must be the recorded ones: a divergence
    /// here, before any of them is echoed, rather than different text printed.
    private func checkOutput(of event: SyscallEvent, on task: ReplayTask) throws {
        guard let expected = event.outputDigest,
              let actual = try OutputDigest.digest(of: event.number, arguments: event.arguments, result: event.result, memory: task.tracee),
              actual != expected else { return }
        throw divergence("\(event.number.name) output digest \(OutputDigest.text(expected)) (\(event.result) bytes)",
                         "output digest \(OutputDigest.text(actual)): the program wrote different bytes")
    }

    private func echoOutput(of event: SyscallEvent, from task: ReplayTask) throws {
        let total = Int(event.result)
        let ranges: [MemoryRange]
        if event.number == .writev {
            ranges = try SyscallSpec.scatterRanges(iovecs: event.arguments[1], count: Int(clamping: event.arguments[2]), total: total, memory: task.tracee)
        } else {
            ranges = [MemoryRange(address: event.arguments[1], length: total)]
        }
        // A replay run again to go backwards shows nothing: its output was shown the first time.
        if debugger?.replayingAgain == true { return }
        for range in ranges {
            echo.write(try task.tracee.readMemory(at: range.address, count: range.length), to: event.echo)
        }
    }

    func replayInstructionTrap(_ trap: InstructionTrapEvent, on task: ReplayTask) throws {
        if trap.kind == .rdrand || trap.kind == .rdseed { return try replayRandomInstruction(trap, on: task) }
        let stop = try nextStop(task)
        let registers = try task.tracee.registers()
        guard stop == .signal(.sigsegv), registers.rip == trap.rip else {
            throw divergence("\(trap.kind.name) at 0x\(String(trap.rip, radix: 16))", describeStop(stop, task))
        }
        var updated = registers
        updated.rax = trap.rax
        updated.rdx = trap.rdx
        if trap.kind == .rdtscp { updated.rcx = trap.rcx }
        updated.rip += trap.kind == .rdtsc ? 2 : 3
        try task.tracee.setRegisters(updated)
        RegisterLog.note(task.tracee, as: task.recordedTid, "rdtsc", updated)
        task.position = .stopped
        task.lastSyscall = nil
    }

    /// A patched RDRAND or RDSEED traps (SIGILL at its ud2) and gets the recorded value.
    private func replayRandomInstruction(_ trap: InstructionTrapEvent, on task: ReplayTask) throws {
        let stop = try nextStop(task)
        var registers = try task.tracee.registers()
        let code = (try? task.tracee.readMemory(at: registers.rip, count: RandomInstruction.maximumLength)) ?? []
        guard stop == .signal(.sigill), registers.rip == trap.rip, let instruction = RandomInstruction(patched: code[...]),
              instruction.kind == trap.kind else {
            throw divergence("\(trap.kind.name) at 0x\(String(trap.rip, radix: 16))", describeStop(stop, task))
        }
        instruction.apply(value: trap.rax, to: &registers)
        try task.tracee.setRegisters(registers)
        RegisterLog.note(task.tracee, as: task.recordedTid, trap.kind.name, registers)
        task.position = .stopped
        task.lastSyscall = nil
    }

    /// pselect6, ppoll, epoll_pwait and rt_sigsuspend replace the blocked mask while they wait;
    /// a signal they let through is delivered under that mask. Replay does not run them, so it
    /// sets the mask for the delivery and puts the task's own mask back before the handler's frame
    /// is built (the frame saves the original mask, as the kernel does).
    private func temporaryMask(after task: ReplayTask) throws -> UInt64? {
        guard let call = task.lastSyscall, call.result < 0 else { return nil }
        let pointer: UInt64
        switch call.number {
        case .pselect6:
            guard call.arguments[5] != 0 else { return nil }
            pointer = try task.tracee.readWord(at: call.arguments[5])
        case .ppoll: pointer = call.arguments[3]
        case .epoll_pwait: pointer = call.arguments[4]
        case .rt_sigsuspend: pointer = call.arguments[0]
        default: return nil
        }
        return pointer == 0 ? nil : try task.tracee.readWord(at: pointer)
    }

    private func deliverUnderTemporaryMask(_ event: SignalEvent, on task: ReplayTask, mask: UInt64) throws {
        let original = try task.tracee.blockedSignals()
        try task.tracee.setBlockedSignals(mask)
        let stop = try nextStop(task, expecting: event.signal)
        guard stop == .signal(event.signal) else { throw divergence("signal \(event.signal)", describeStop(stop, task)) }
        try task.tracee.setSiginfo(event.siginfo)
        // Deliver it now, stepping into the handler, so the frame can be given the original mask.
        try task.tracee.resume(.singleStep, signal: event.signal.rawValue)
        let (_, stepped) = try Stop.wait(for: task.tracee.tid)
        guard stepped == .signal(.sigtrap) else { throw divergence("signal \(event.signal) delivered", describeStop(stepped, task)) }
        let registers = try task.tracee.registers()
        if isHandlerEntry(registers, for: event.signal) {
            let savedMask = withUnsafeBytes(of: original.littleEndian) { Array($0) }
            try task.tracee.writeMemory(at: registers.rdx + 296, bytes: savedMask)  // uc.uc_sigmask
            if let frame = event.frame { try writeTrapWords(frame, registers, on: task) }
        } else {
            try task.tracee.setBlockedSignals(original)  // no handler ran: only the mask to undo
        }
        task.pendingSignal = 0
        task.position = .stopped
    }

    func replaySignal(_ event: SignalEvent, on task: ReplayTask) throws {
        switch event.position {
        case .userSpace, .afterPreviousEvent:
            if case let .userSpace(position) = event.position {
                // Found, the thread is at a stop there: delivered from it as after an event.
                try reach(position, on: task, describe: "signal \(event.signal) at 0x\(String(position.registers.rip, radix: 16))")
            }
            switch task.position {
            case .initial, .atSignal, .atBreakpoint:
                // Resuming from a signal-delivery-stop with this signal delivers it directly.
                try debugger?.signalArrives(event.signal, on: task)
                try task.tracee.setSiginfo(event.siginfo)
                try deliver(event, on: task)
                return
            default:
                // From a syscall stop the kernel queues the signal (send_sig) and stops again to deliver it.
                task.pendingSignal = event.signal.rawValue
                if let mask = try temporaryMask(after: task) {
                    try deliverUnderTemporaryMask(event, on: task, mask: mask)
                    return
                }
            }
        case .atFault:
            break
        }
        let stop = try nextStop(task, expecting: event.signal)
        guard stop == .signal(event.signal) else { throw divergence("signal \(event.signal)", describeStop(stop, task)) }
        if case .atFault = event.position {
            try debugger?.faulted(event.signal, on: task, fatal: event.frame == nil)
        } else {
            try debugger?.signalArrives(event.signal, on: task)
        }
        try task.tracee.setSiginfo(event.siginfo)
        task.lastSyscall = nil
        try deliver(event, on: task)
    }

    /// The task is at a signal-delivery-stop: the signal goes in when it resumes; or, if it ran
    /// a handler when recorded, now, one step into the handler, whose frame then gets the
    /// recorded trap words.
    private func deliver(_ event: SignalEvent, on task: ReplayTask) throws {
        task.pendingSignal = event.signal.rawValue
        task.position = .atSignal
        guard let frame = event.frame else { return }
        try task.tracee.resume(.singleStep, signal: event.signal.rawValue)
        let (_, stepped) = try Stop.wait(for: task.tracee.tid)
        let registers = try task.tracee.registers()
        guard case .signal = stepped, isHandlerEntry(registers, for: event.signal) else {
            throw divergence("signal \(event.signal) delivered to its handler", describeStop(stepped, task))
        }
        try writeTrapWords(frame, registers, on: task)
        task.pendingSignal = 0
        task.position = .atBreakpoint  // another signal, suppressed, or the step's SIGTRAP
    }

    private func isHandlerEntry(_ registers: Registers, for signal: SignalNumber) -> Bool {
        registers.words[14] == UInt64(signal.rawValue)  // rdi = signal number
            && registers.words[13] == registers.rsp + 312 && registers.rdx == registers.rsp + 8  // rsi = &info, rdx = &uc
    }

    private func writeTrapWords(_ frame: TrapFrameWords, _ entry: Registers, on task: ReplayTask) throws {
        let bytes = { (value: UInt64) in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        try task.tracee.writeMemory(at: entry.rdx + TrapFrameWords.errOffset, bytes: bytes(frame.err) + bytes(frame.trapno))
        try task.tracee.writeMemory(at: entry.rdx + TrapFrameWords.cr2Offset, bytes: bytes(frame.cr2))
    }
}
