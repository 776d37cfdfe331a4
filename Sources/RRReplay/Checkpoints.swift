import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// A copy of a replay before one of its events, kept so that a debugging session going back
/// replays from there rather than from the recording's start (as rr does: a fork of the
/// replayed process). The copy is a stopped process that never runs; a replay from the
/// checkpoint runs a fork of it, so the checkpoint serves any number of times. With it goes
/// what the replayer knew then: the one task's state and where the trace is read.
///
/// Only a replay with a single thread in a single process, stopped between events in user
/// code, with no shared mapping (a fork would share it) and no signal pending in the kernel, is
/// copied; a replay of more threads or processes goes back from the nearest checkpoint taken
/// before they existed, or from the start.
public final class ReplayCheckpoint {
    /// The event replay was about to replay.
    let event: UInt64
    /// The stopped copy of the process, and the registers it was copied at.
    let process: Tracee
    let registers: Registers
    /// The task's replay state then (its tracee is `process`, never resumed).
    let task: ReplayTask
    let events: EventSource.Bookmark
    let mainTid: Tid
    let mainStatus: Int32
    let processStatuses: [Tid: Int32]
    let debuggedExecutable: String?
    /// The debugger's note of each thread's last event (ReplayDebugger.lastEventOf).
    let lastEventOf: [Tid: UInt64]
    /// The pages the process wrote from event `since` (an earlier checkpoint's) up to this one,
    /// where they were tracked (WriteTracker): a watchpoint on memory none of them holds cannot
    /// have been hit in between.
    var writes: (since: UInt64, pages: WriteTracker.Writes)?
    /// The debugger's code breakpoints in place throughout the same stretch, and those hit in it.
    var codeBreakpoints: (armed: Set<UInt64>, hit: Set<UInt64>)?

    init(event: UInt64, process: Tracee, registers: Registers, task: ReplayTask, replayer: Replayer, lastEventOf: [Tid: UInt64]) {
        self.event = event
        self.process = process
        self.registers = registers
        self.task = task
        self.events = replayer.events.bookmark()
        self.mainTid = replayer.mainTid
        self.mainStatus = replayer.mainStatus
        self.processStatuses = replayer.processStatuses
        self.debuggedExecutable = replayer.debuggedExecutable
        self.lastEventOf = lastEventOf
    }

    deinit {
        process.kill()
        // Bounded: the copy must not hang the replayer if its end was already collected.
        while let (_, stop) = (try? Stop.wait(for: process.tid, timeout: 1_000_000_000)) ?? nil {
            if case .exited = stop { break }
            if case .killed = stop { break }
            try? process.resume(.toSignal)
        }
    }
}

extension Replayer {
    /// A checkpoint before event `index`, or nil where the replay cannot be copied now. The
    /// copy's memory holds the program's own bytes where the debugger's software breakpoints
    /// are (`breakpoints`: address and original byte): the debugger puts in the ones it has
    /// when a replay goes on from there.
    /// A fork the tracee refuses leaves no checkpoint; any other failure is the replay's.
    func checkpoint(at index: UInt64, breakpoints: [UInt64: UInt8], lastEventOf: [Tid: UInt64]) throws -> ReplayCheckpoint? {
        guard tasks.count == 1, let task = tasks.values.first, case .stopped = task.position, task.pendingSignal == 0,
              task.restartableSyscall == nil, task.pendingFlush == nil, task.groupMembersToReap.isEmpty,
              task.deathStatus == nil, isCopyable(task.tracee.tid) else { return nil }
        do {
            let registers = try task.tracee.registers()
            // Stopped inside an exec (at its event): leaving it sets rax, which a copy made
            // here and resumed from a syscall exit would not have.
            if task.tracee.syscallStopIsEntry() == nil, [SyscallNumber.execve, .execveat].contains(SyscallNumber(Int64(bitPattern: registers.origRax))) {
                return nil
            }
            let copy = try ProcessFork.fork(task.tracee, at: registers)
            for (address, original) in breakpoints { _ = try? copy.writeMemory(at: address, bytes: [original]) }
            debug("checkpoint before event \(index): pid \(copy.tid)")
            let checkpoint = ReplayCheckpoint(event: index, process: copy, registers: registers,
                                              task: task.copy(tracee: copy), replayer: self, lastEventOf: lastEventOf)
            if let tracker = writeTracker, tracker.pid == task.tracee.tid, let since = trackedSince {
                checkpoint.writes = (since, try tracker.takeWritten())
            } else {
                writeTracker = try WriteTracker.start(task.tracee, at: registers)
            }
            trackedSince = writeTracker == nil ? nil : index
            return checkpoint
        } catch let refused as ProcessFork.Refused {
            debug("no checkpoint before event \(index): fork failed with errno \(refused.errno)")
            return nil
        }
    }

    /// Whether a fork of the process would be the same replay: no shared mapping (the copy
    /// would see the replay's later writes) and no signal the kernel holds for it (a fork drops them).
    private func isCopyable(_ pid: Tid) -> Bool {
        guard let maps = try? ProcFiles.maps(of: pid), !maps.contains(where: { $0.permissions.hasSuffix("s") }),
              let status = try? ProcFiles.statusFields(of: pid) else { return false }
        return ["SigPnd", "ShdPnd"].allSatisfy { status[$0].map { $0.allSatisfy { $0 == "0" } } ?? false }
    }

    /// The next replay of the same debugging session: from the checkpoint its debugger chose,
    /// or from the start; the trace is read again from `path`, and the files already stored are
    /// used again.
    public func again(trace path: String, partial: Bool) throws -> Replayer {
        guard let debugger else { throw RRError.usage("only a debugging session replays again") }
        let next: Replayer
        if let checkpoint = debugger.resumeFrom {
            let reader = try StreamReader.open(path, partial: partial, at: checkpoint.events.reader)
            next = try Replayer(events: EventSource(reader: reader, files: files, at: checkpoint.events), files: files, options: options)
            let live = try ProcessFork.fork(checkpoint.process, at: checkpoint.registers)
            let task = checkpoint.task.copy(tracee: live)
            next.tasks[task.recordedTid] = task
            next.mainTid = checkpoint.mainTid
            next.currentTid = task.recordedTid
            next.mainStatus = checkpoint.mainStatus
            next.processStatuses = checkpoint.processStatuses
            next.debuggedExecutable = checkpoint.debuggedExecutable
            next.resumesCheckpoint = true
            next.writeTracker = try WriteTracker.start(live, at: checkpoint.registers)
            next.trackedSince = next.writeTracker == nil ? nil : checkpoint.event
            debugger.lastEventOf = checkpoint.lastEventOf
            debug("replaying again from the checkpoint before event \(checkpoint.event): pid \(live.tid)")
        } else {
            next = try Replayer(events: EventSource(reader: try StreamReader.open(path, partial: partial), files: files), files: files, options: options)
        }
        next.attach(debugger)
        return next
    }
}
