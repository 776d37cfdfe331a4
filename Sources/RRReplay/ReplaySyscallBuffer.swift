import RRCore
import RRPtrace

/// Replay of syscall buffering (the rr paper, section 3.4). The preload library runs in replay
/// exactly as recorded; its untraced slot, in the replay image of the syscall page, copies the
/// record the replayer put in the buffer's shadow area over the live record and returns its result.
/// So a flush is replayed by refilling the shadow area before the thread runs the code that made
/// those records, and checked (and the buffer emptied, as the recording did) at the thread's next
/// stop, where the library's own writes to the records must equal the recorded bytes.
extension Replayer {
    func replayFlush(_ flush: SyscallBufferFlush, on task: ReplayTask) throws {
        guard let base = task.buffer else {
            throw divergence("\(flush.calls.count) buffered syscalls", "the thread has no syscall buffer")
        }
        if !flush.records.isEmpty {
            try task.tracee.writeMemory(at: base + SyscallBufferLayout.headerSize + SyscallBufferLayout.shadowOffset + UInt64(flush.offset),
                                        bytes: flush.records)
        }
        task.pendingFlush = flush
        let next = base + SyscallBufferLayout.headerSize + UInt64(flush.offset) + UInt64(flush.records.count)
        if flush.flags.contains(.blockedInNext) {
            try runToBufferedCall(task, record: next, afterSyscall: false)
        } else if flush.flags.contains(.stoppedAfterNextSyscall) {
            try runToBufferedCall(task, record: next, afterSyscall: true)
        }
    }

    /// At a stop of the thread: the records it consumed since the flush must be the recorded
    /// ones, byte for byte (numbers, results, outputs, sizes), and no more.
    func checkSyscallBuffer(_ task: ReplayTask) throws {
        guard let flush = task.pendingFlush, let base = task.buffer else { return }
        task.pendingFlush = nil
        let recorded = try task.tracee.readMemory(at: base, count: 4).loadLittleEndian(UInt32.self, at: 0)
        let expected = flush.offset + UInt32(flush.records.count)
        let actual = recorded > flush.offset
            ? try task.tracee.readMemory(at: base + SyscallBufferLayout.headerSize + UInt64(flush.offset), count: Int(recorded - flush.offset))
            : []
        guard recorded == expected, actual.hasSameBytes(as: flush.records) else {
            if let output = Self.differingOutput(recorded: flush.records, replayed: actual) {
                throw divergence("buffered \(output.number.name) (call \(output.index + 1) of \(flush.calls.count) in the flush) output digest \(OutputDigest.text(output.expected))",
                                 "output digest \(OutputDigest.text(output.actual)): the program wrote different bytes")
            }
            let made = SyscallBufferFlush(tid: flush.tid, offset: flush.offset, flags: [], records: actual).calls
            var difference = ""
            let common = min(flush.records.count, actual.count)
            if let index = (0..<common).first(where: { flush.records[$0] != actual[$0] }) ?? (flush.records.count != actual.count ? common : nil) {
                // The same calls and results can still differ in their outputs: say where.
                let window = { (bytes: [UInt8]) in
                    bytes[index..<min(index + 8, bytes.count)].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
                }
                difference = " (records differ from byte \(index): recorded \(window(flush.records)), replayed \(window(actual)))"
            }
            throw divergence("buffered syscalls " + describe(flush.calls), "buffered syscalls " + describe(made) + difference)
        }
        if flush.flags.contains(.reset) { try task.tracee.writeMemory(at: base, bytes: [0, 0, 0, 0]) }
    }

    /// When the first record that differs is an output call's, the same call with the same
    /// result but another digest of its output (the record's data): the call and both digests.
    static func differingOutput(recorded: [UInt8], replayed: [UInt8]) -> (index: Int, number: SyscallNumber, expected: UInt64, actual: UInt64)? {
        let header = SyscallBufferLayout.recordHeaderSize, digestEnd = header + 8
        var position = 0, index = 0
        while position + header <= min(recorded.count, replayed.count) {
            let size = Int(recorded.loadLittleEndian(UInt32.self, at: position))
            guard size >= header, position + size <= min(recorded.count, replayed.count) else { return nil }
            if recorded[position..<(position + size)] != replayed[position..<(position + size)] {
                let number = SyscallNumber(Int64(Int32(bitPattern: recorded.loadLittleEndian(UInt32.self, at: position + 4))))
                guard OutputDigest.calls.contains(number), size >= digestEnd,
                      recorded[position..<(position + header)] == replayed[position..<(position + header)] else { return nil }
                return (index, number, recorded.loadLittleEndian(UInt64.self, at: position + header),
                        replayed.loadLittleEndian(UInt64.self, at: position + header))
            }
            position += size
            index += 1
        }
        return nil
    }

    private func describe(_ calls: [(number: SyscallNumber, result: Int64)]) -> String {
        let shown = calls.prefix(12).map { "\($0.number.name)=\($0.result)" }.joined(separator: ", ")
        return "[" + shown + (calls.count > 12 ? ", ... (\(calls.count) in all)" : "") + "]"
    }

    /// Runs the thread until its buffered syscall with the record at `record`: to the entry of
    /// the call (where it blocked when recorded), or just after its syscall instruction (where a
    /// signal arrived). Breakpoints on the page's two recorded slots find the calls; the library
    /// passes the record's address in r11.
    private func runToBufferedCall(_ task: ReplayTask, record: RemoteAddress, afterSyscall: Bool) throws {
        let tracee = task.tracee
        let slots = [SyscallBufferLayout.recordedSlot, SyscallBufferLayout.replayedSlot]
        let originals = try slots.map { try tracee.readMemory(at: $0, count: 1)[0] }
        func setBreakpoints(_ on: Bool) throws {
            for (slot, original) in zip(slots, originals) { try tracee.writeMemory(at: slot, bytes: [on ? 0xcc : original]) }
        }
        try setBreakpoints(true)
        defer { try? setBreakpoints(false) }
        let describe = { "buffered syscall with its record at 0x\(String(record, radix: 16))" }
        while true {
            let maskBefore = try tracee.blockedSignals()
            let stop = try nextRawStop(task)
            var registers = try tracee.registers()
            guard stop == .signal(.sigtrap), let slot = slots.first(where: { $0 + 1 == registers.rip }) else {
                throw divergence(describe(), describeStop(stop, task))
            }
            try keepTrapBlocked(tracee, as: maskBefore, registers: registers)
            registers.rip = slot
            try tracee.setRegisters(registers)
            if registers.words[6] == record {  // r11 (user_regs_struct order)
                try setBreakpoints(false)
                if afterSyscall { try finishBufferedSyscall(task, slot: slot) } else { task.position = .atSignal }
                break
            }
            // Another buffered call: step over its first instruction with the breakpoints lifted.
            try setBreakpoints(false)
            let maskBeforeStep = try tracee.blockedSignals()
            try tracee.resume(.singleStep)
            let (_, stepped) = try Stop.wait(for: tracee.tid)
            guard stepped == .signal(.sigtrap) else { throw divergence(describe(), describeStop(stepped, task)) }
            try keepTrapBlocked(tracee, as: maskBeforeStep, registers: try tracee.registers())
            try setBreakpoints(true)
        }
        task.pendingSignal = 0
        try checkSyscallBuffer(task)
    }

    /// The kernel forces the trap of a breakpoint or single step on the thread, and a forced
    /// signal that is blocked gets unblocked (force_sig_info_to_task): a change of the blocked mask
    /// the program never made, which its next sigprocmask would report (sh blocks every signal
    /// around its wait builtin). Puts SIGTRAP back in the mask, unless the stepped instruction
    /// was a syscall that sets the mask itself.
    private func keepTrapBlocked(_ tracee: Tracee, as before: UInt64, registers: Registers) throws {
        let trap: UInt64 = 1 << (5 - 1)  // SIGTRAP
        guard before & trap != 0, ![SyscallNumber.rt_sigprocmask, .rt_sigreturn].contains(SyscallNumber(Int64(bitPattern: registers.origRax))) else { return }
        let now = try tracee.blockedSignals()
        if now & trap == 0 { try tracee.setBlockedSignals(now | trap) }
    }

    /// To the point after the syscall of a buffered call: for the replayed slot (a real syscall in
    /// replay too) the syscall's exit. The recorded slot's replay image stays at its entry: it
    /// copies the record, which the next flush brings, and returns its result, so whatever comes
    /// first (a signal handler) runs before it, as it ran after the syscall when recorded.
    private func finishBufferedSyscall(_ task: ReplayTask, slot: RemoteAddress) throws {
        guard slot == SyscallBufferLayout.replayedSlot else {
            task.position = .atSignal
            return
        }
        let tracee = task.tracee
        try tracee.resume(.toSyscall)
        let (_, entry) = try Stop.wait(for: tracee.tid)
        try tracee.resume(.toSyscall)
        let (_, exit) = try Stop.wait(for: tracee.tid)
        guard entry == .syscall, exit == .syscall else { throw divergence("a replayed buffered syscall", describeStop(exit, task)) }
        task.position = .stopped
    }

    /// Whether this syscall stop is a replayed-slot syscall (made from the preload library, to be
    /// performed for real); if so, runs it to its exit.
    func passReplayedSlotSyscall(_ task: ReplayTask) throws -> Bool {
        guard task.buffer != nil, try task.tracee.registers().rip == SyscallBufferLayout.replayedSlot + 2 else { return false }
        try task.tracee.resume(.toSyscall)
        let (_, exit) = try Stop.wait(for: task.tracee.tid)
        guard exit == .syscall else { throw divergence("a replayed buffered syscall finishing", describeStop(exit, task)) }
        return true
    }

    /// The library's calls and the other syscalls that change buffering state, as the recorder
    /// handles them (RecordSyscalls/SyscallBuffering.swift) at the same points.
    func noteSyscallBuffering(_ event: SyscallEvent, on task: ReplayTask) throws {
        switch event.number {
        case SyscallBufferLayout.initProcessCall:
            // The replay image of the syscall page replaces the record image the library wrote.
            let image = try task.tracee.readMemory(at: event.arguments[3], count: SyscallBufferLayout.pageImageSize)
            try task.tracee.writeMemory(at: SyscallBufferLayout.pageAddress, bytes: image)
            task.vforkChildren = event.arguments[4]
        case SyscallBufferLayout.initThreadCall:
            task.buffer = event.arguments[0]
        case .vfork where event.result > 0, .clone where event.result > 0:
            if SyscallBufferLayout.sharesMemoryOnly(cloneFlags: SyscallBufferLayout.cloneFlags(event.number, arguments: event.arguments)),
               let counter = task.vforkChildren {
                try task.tracee.addToCounter(at: counter, -1)
            }
        default:
            break
        }
    }

    /// As in recording: a forked child keeps its parent thread's buffer; a vfork child turns
    /// buffering off in the process until the parent resumes; a thread inherits the counter.
    func inheritSyscallBuffering(parent: ReplayTask, child: ReplayTask, cloneFlags: UInt64) throws {
        child.vforkChildren = parent.vforkChildren
        guard cloneFlags & 0x10000 == 0 else { return }  // CLONE_THREAD
        if SyscallBufferLayout.sharesMemoryOnly(cloneFlags: cloneFlags) {
            if let counter = parent.vforkChildren { try parent.tracee.addToCounter(at: counter, 1) }
        } else {
            child.buffer = parent.buffer
        }
    }

    func replayPatch(_ patch: PatchEvent, on task: ReplayTask) throws {
        var registers = try reachSyscallEntry(task, number: patch.number, arguments: patch.arguments, digest: patch.entryDigest) {
            "\(patch.number.name) whose site is patched"
        }
        for write in patch.writes { try task.tracee.writeMemory(at: write.address, bytes: write.bytes) }
        registers.origRax = UInt64(bitPattern: -1)
        try task.tracee.setRegisters(registers)
        task.position = .inSyscall(entry: registers)
        let stop = try nextStop(task)
        guard stop == .syscall else { throw divergence("\(patch.number.name) skipped for its patch", describeStop(stop, task)) }
        var exit = try task.tracee.registers()
        exit.rip = patch.site
        exit.rax = UInt64(bitPattern: patch.number.rawValue)
        try task.tracee.setRegisters(exit)
        task.position = .stopped
    }
}
