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

    deinit { ProcessFork.discard(process) }
}

extension Replayer {
    /// A checkpoint before event `index`, or nil where the replay cannot be copied now. The
    /// copy's memory holds the program's own bytes where the debugger's software breakpoints
    /// are (`breakpoints`: address and original byte): the debugger puts in the ones it has
    /// when a replay goes on from there.
    /// A fork the tracee refuses leaves no checkpoint; any other failure is the replay's.
    func checkpoint(at index: UInt64, breakpoints: [UInt64: UInt8], lastEventOf: [Tid: UInt64]) throws -> ReplayCheckpoint? {
        // At a syscall's exit only, where the copy is left too: from a signal-delivery-stop a
        // signal goes in without another stop, and leaving an exec's event stop sets rax.
        guard tasks.count == 1, let task = tasks.values.first, case .stopped = task.position, task.pendingSignal == 0,
              task.restartableSyscall == nil, task.pendingFlush == nil, task.groupMembersToReap.isEmpty,
              task.deathStatus == nil, task.tracee.syscallStopIsEntry() == false, isCopyable(task.tracee.tid) else { return nil }
        do {
            let registers = try task.tracee.registers()
            let copy = try copyProcess(of: task, at: registers)
            for (address, original) in breakpoints where (try? copy.readMemory(at: address, count: 1)) == [ReplayTarget.int3] {
                _ = try? copy.writeMemory(at: address, bytes: [original])
            }
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
    /// would see the replay's later writes), none the program kept out of or wiped in a fork
    /// (madvise MADV_DONTFORK, MADV_WIPEONFORK: VmFlags dc, wf), and no signal the kernel holds
    /// for it (a fork drops them).
    private func isCopyable(_ pid: Tid) -> Bool {
        guard let maps = try? ProcFiles.maps(of: pid), !maps.contains(where: { $0.permissions.hasSuffix("s") }),
              let status = try? ProcFiles.statusFields(of: pid),
              let smaps = try? ProcFiles.read("/proc/\(pid)/smaps") else { return false }
        let flags = String(decoding: smaps, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("VmFlags:") }
        guard !flags.contains(where: { $0.split(separator: " ").contains { $0 == "dc" || $0 == "wf" } }) else { return false }
        return ["SigPnd", "ShdPnd"].allSatisfy { status[$0].map { $0.allSatisfy { $0 == "0" } } ?? false }
    }

    /// A copy of `task`'s process at `registers`, left at a syscall-exit-stop as `task` is, with
    /// the thread's tid and robust-list addresses given to the kernel again (a fork drops them).
    private func copyProcess(of task: ReplayTask, at registers: Registers) throws -> Tracee {
        let copy = try ProcessFork.fork(task.tracee, at: registers)
        do {
            _ = try InjectedSyscall.run(copy, at: registers, .set_tid_address, [task.clearChildTid])
            if let robust = task.robustList { _ = try InjectedSyscall.run(copy, at: registers, .set_robust_list, [robust.head, robust.length]) }
            return copy
        } catch {
            ProcessFork.discard(copy)
            throw error
        }
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
            let live: Tracee
            do {
                live = try copyProcess(of: checkpoint.task, at: checkpoint.registers)
            } catch let refused as ProcessFork.Refused {
                // A fork refused now (a process limit): this checkpoint is no use; from the start.
                debug("the checkpoint before event \(checkpoint.event) cannot be copied (errno \(refused.errno)): replaying from the start")
                debugger.checkpoints.removeAll { $0 === checkpoint }
                debugger.resumeFrom = nil
                debugger.replayOrigin = 0
                return try again(trace: path, partial: partial)
            }
            let task = checkpoint.task.copy(tracee: live)
            next.tasks[task.recordedTid] = task
            next.mainTid = checkpoint.mainTid
            next.currentTid = task.recordedTid
            next.mainStatus = checkpoint.mainStatus
            next.processStatuses = checkpoint.processStatuses
            next.debuggedExecutable = checkpoint.debuggedExecutable
            next.resumesCheckpoint = true
            next.cachedCopies = cachedCopies
            do {
                next.writeTracker = try WriteTracker.start(live, at: checkpoint.registers)
            } catch {
                ProcessFork.discard(live)
                throw error
            }
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
