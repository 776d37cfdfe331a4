import CRRShims
import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// How a recording is stopped from outside. The program runs in a process group of its own (a
/// kill(0, ...) it makes never reaches the recorder); SIGINT, SIGTERM and SIGHUP sent to the
/// supervisor (by rr-launch, which passes them on, or to the whole group, as timeout(1) does)
/// go on to the program's group as they would reach it without the recorder, and are recorded
/// as ordinary deliveries. Recording goes on until the program has ended, so the trace is
/// complete. A second SIGINT kills the program's group with SIGKILL. At a terminal, the program's
/// group is made the foreground group, so Ctrl-C reaches the program directly as from a shell.
enum StopSignals {
    /// Installed before the program starts: a signal arriving meanwhile is held, not lost.
    static func install() { rr_shim_handle_stop_signals() }

    static func forward(toGroup leader: Tid) { rr_shim_forward_stop_signals(leader.rawValue) }

    static func stopForwarding() { rr_shim_forward_stop_signals(0) }

    static var killRequested: Bool { rr_shim_kill_requested() != 0 }

    /// The terminal to hand to the program's group, if ours is its foreground group.
    static func foregroundTerminal() -> Int32? {
        let fd = rr_shim_foreground_terminal()
        return fd >= 0 ? fd : nil
    }

    static func takeBack(_ terminal: Int32?) {
        guard let terminal else { return }
        rr_shim_take_back_terminal(terminal)
        close(terminal)
    }
}

extension Recorder {
    /// After a second SIGINT: kills every recorded process (the group got SIGKILL already; this
    /// covers processes that left it) and records each thread's end, so the trace is complete.
    /// A thread killed this way may have been anywhere in its user code: no final registers are
    /// recorded for it, and replay ends it after its last event.
    func finishKilledRecording() throws {
        if debugging { reportError(tool: "record", "kill requested") }
        for task in scheduler.allTasks { _ = rr_shim_kill(task.tid.rawValue, SIGKILL) }
        while let (tid, stop) = scheduler.takeQueuedStop() { try noteEndAfterKill(tid, stop) }
        while !scheduler.isEmpty {
            // Bounded: a thread that never reports (already collected) must not hang the end.
            guard let (tid, stop) = try Stop.wait(for: Tid(-1), timeout: 5_000_000_000) else { break }
            try noteEndAfterKill(tid, stop)
        }
        scheduler.killAll()
    }

    /// Every task still in the schedule ended unseen: each is recorded as killed by SIGKILL
    /// (how a tracee vanishes), with no final registers; replay ends it after its last event.
    func recordVanishedTasks() throws {
        for task in scheduler.allTasks { try noteEndAfterKill(task.tid, .killed(signal: .sigkill, rawStatus: SIGKILL)) }
    }

    private func noteEndAfterKill(_ tid: Tid, _ stop: Stop) throws {
        guard let task = scheduler.task(tid) else { return }
        switch stop {
        case let .exited(_, status), let .killed(_, status):
            task.closeDeschedDescriptor()
            let exit = ExitEvent(tid: tid, waitStatus: status, finalRegisters: nil)
            try emit(.exit(exit))
            if tid == mainTid { mainStatus = exit.shellStatus }
            scheduler.remove(task)
        default:
            try? task.tracee.resume(.toSignal)  // its exit stop, or a stop from before the kill
        }
    }
}
