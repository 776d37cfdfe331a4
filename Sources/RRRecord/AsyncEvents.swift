import CRRShims
import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// Asynchronous events in the middle of user code: preemption at the end of a time slice, and
/// signals that arrive while a thread computes. Without a branch counter a point is named by
/// the registers, the extended state and a digest of writable memory there (`UserPosition`);
/// replay finds it again with a hardware breakpoint.
extension Recorder {
    /// The name of the point where `task` is stopped in its user code.
    func userPosition(of task: RecordedTask, _ registers: Registers) throws -> UserPosition {
        var position = UserPosition(registers: registers, extendedStateDigest: try task.tracee.extendedStateDigest(),
                                    memoryDigest: 0, userTime: try task.tracee.userTime(),
                                    syscallBuffers: task.process.preload?.buffers ?? [])
        let code = (try? task.tracee.readMemory(at: registers.rip, count: 16)) ?? []
        let excluded = position.unhashedMemory + RepeatedMove.unsettledMemory(code: code, registers: registers)
        position.memoryDigest = try MemoryDigest.compute(of: task.tid, excluding: excluded, stackPointer: registers.rsp)
        let coverage = PointedMemory.coverage(try ProcFiles.maps(of: task.tid), excluding: excluded, stackPointer: registers.rsp)
        position.pointedMemory = PointedMemory.digests(pid: task.tid, registers: registers, coverage: coverage)
        return position
    }

    /// Whether `rip` is in the syscall-buffering machinery (the syscall page or the preload
    /// library's code), where a thread is between a buffered syscall and its record: such a
    /// point cannot be replayed before the record it is making has been sent.
    func isInBufferingCode(_ task: RecordedTask, rip: UInt64) throws -> Bool {
        if rip >= SyscallBufferLayout.pageAddress && rip < SyscallBufferLayout.pageAddress + 4096 { return true }
        guard let library = task.process.preload else { return false }
        if library.codeRange == nil {
            let maps = try ProcFiles.maps(of: task.tid)
            if let text = maps.first(where: { $0.start <= library.trampoline && library.trampoline < $0.end }) {
                library.codeRange = text.start..<text.end
            }
        }
        return library.codeRange?.contains(rip) ?? false
    }

    /// Whether a signal deferred in the buffering code can be delivered in the syscall `task` is
    /// entering at `rip`: one outside that code, or one the library makes through the page's
    /// traced slot while no buffered call is half made (the header's busy word clear; a buffered
    /// call that blocked goes on in that slot with it set). The library's own traced calls (every
    /// call it does not buffer, the flush of a full buffer, a thread's set-up) come with no record
    /// in the making, as at any traced call; without this a thread making only such calls
    /// (`yes > /dev/null`: writes to stdout stay traced) kept its signal deferred.
    func canDeliverDeferredSignal(_ task: RecordedTask, enteringSyscallAt rip: UInt64) throws -> Bool {
        if rip == SyscallBufferLayout.tracedSlot + 2 {
            guard let base = task.buffer else { return true }
            let busy = try task.tracee.readMemory(at: base + SyscallBufferLayout.busyOffset, count: 4)
            return busy.loadLittleEndian(UInt32.self, at: 0) == 0
        }
        return try !isInBufferingCode(task, rip: rip)
    }

    /// The length of the next time slice: the configured one, or in chaos mode a random one
    /// between 0.1 ms and a tenth of it (log-uniform: most are short, some long).
    func nextTimeSlice() -> Int64 {
        guard options.chaos else { return options.timeSlice }
        let shortest = 100_000.0, longest = max(Double(options.timeSlice) / 10, shortest * 2)
        return Int64(shortest * pow(longest / shortest, Double.random(in: 0...1)))
    }

    /// The slice of a thread alone in its address space (`isAlone`). Such a thread can affect the
    /// others only through syscalls, so preempting it in user code serves only to let them run
    /// meanwhile; but each preemption is a point replay must search for, and in a hot loop that
    /// search visits the instruction once per iteration since the thread's previous event. A
    /// compute burst shorter than this (a sort, a compiler pass) is then never preempted; a
    /// thread that never makes a syscall still is, so the others wait at most this long.
    static let isolatedSlice: Int64 = 1_000_000_000

    /// Whether `task` is the only thread that can see its memory: the only thread of its
    /// process, no other process on its address space, and no shared writable mapping but the
    /// syscall-buffering ones (which only it and the supervisor use).
    func isAlone(_ task: RecordedTask) throws -> Bool {
        guard !scheduler.hasOtherThreads(than: task), !task.process.sharesAddressSpace else { return false }
        let ours = UserPosition.bufferingMemory(syscallBuffers: task.process.preload?.buffers ?? [])
        return try ProcFiles.maps(of: task.tid).allSatisfy { mapping in
            let sharedWritable = mapping.permissions.contains("w") && mapping.permissions.hasSuffix("s")
            return !sharedWritable || ours.contains { start, length in start <= mapping.start && mapping.end <= start + length }
        }
    }

    /// Stops a running thread wherever it is, with a SIGSTOP that is not delivered (PTRACE_INTERRUPT
    /// needs PTRACE_SEIZE); at the end of its slice it is then preempted. Sent to a thread in user
    /// code only: a stop cuts short a syscall the thread sleeps in, and some calls (sigtimedwait,
    /// epoll_wait) then fail with EINTR. A traced call the thread enters meanwhile waits for it.
    func stop(_ task: RecordedTask, preempting: Bool) {
        task.stopRequested = true
        task.preemptionRequested = preempting
        _ = rr_shim_tgkill(task.process.leader.rawValue, task.tid.rawValue, SIGSTOP)
    }

    /// A signal that arrived in the buffering code is delivered once the thread is out of it (a
    /// later point is as legal for an asynchronous signal): raised again, and given its own
    /// siginfo at its delivery stop.
    func raiseDeferredSignal(_ task: RecordedTask) {
        guard let deferred = task.deferredSignal else { return }
        task.deferredSignal = nil
        if let since = task.deferredAtEvent { longestDeferral = max(longestDeferral, eventCount - since) }
        task.deferredAtEvent = nil
        task.raisedAgain = deferred
        task.registersAtResume = nil
        _ = rr_shim_tgkill(task.process.leader.rawValue, task.tid.rawValue, deferred.signal.rawValue)
    }

    /// The supervisor's SIGSTOP arrived. Asked for at the end of a slice, it becomes a preemption
    /// if the thread is in its own user code and others still wait; otherwise (in a syscall, which
    /// restarts; in the buffering code; a stop that came late) the thread runs on as if nothing
    /// happened, and the next slice tries again.
    func interrupted(_ task: RecordedTask) throws {
        let requested = task.preemptionRequested
        task.preemptionRequested = false
        let registers = try task.tracee.registers()
        let inSyscall = registers.origRax != UInt64.max
        if task.deferredSignal != nil, !inSyscall, try !isInBufferingCode(task, rip: registers.rip) {
            raiseDeferredSignal(task)
            try task.tracee.resume(task.resumeMode)
            return
        }
        guard requested, !inSyscall, scheduler.hasOtherWork, try !isInBufferingCode(task, rip: registers.rip) else {
            try task.tracee.resume(task.resumeMode)  // where it was: the runner, or in the kernel
            return
        }
        scheduler.stopped(task)
        try flushSyscallBuffer(task)
        try emit(.preemption(PreemptionEvent(tid: task.tid, position: try userPosition(of: task, registers))))
        preemptionCount += 1
        scheduler.makeReady(task)
    }
}
