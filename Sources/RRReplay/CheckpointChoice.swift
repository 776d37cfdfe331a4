import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// When a debugging session takes checkpoints and which one a replay going back starts from.
/// A checkpoint is taken before an event once replay has run `checkpointInterval` seconds since
/// it last passed one, so that going back replays at most about that long before reaching the
/// events it needs. Their number is bounded: past `mostCheckpoints`, the one whose neighbours
/// are closest together goes. RR_SWIFT_CHECKPOINT_INTERVAL sets the interval (0: before every
/// event where a copy can be made, which tests use to go back from checkpoints everywhere).
extension ReplayDebugger {
    static let checkpointInterval = getenv("RR_SWIFT_CHECKPOINT_INTERVAL").flatMap { Double(String(cString: $0)) } ?? 0.2
    static let mostCheckpoints = 256

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Takes a checkpoint before event `index` if one is due and the replay is as recorded.
    func takeCheckpointIfDue(before index: UInt64) throws {
        guard canRestart, diversion == nil, stepping == nil, steppingOver == nil else { return }
        let now = Self.monotonicSeconds()
        if checkpoints.contains(where: { $0.event == index }) {
            lastCheckpointTime = now
            return
        }
        guard now - lastCheckpointTime >= Self.checkpointInterval else { return }
        lastCheckpointTime = now
        guard let checkpoint = try target.replayer.checkpoint(at: index, breakpoints: target.softwareBreakpoints, lastEventOf: lastEventOf) else { return }
        if checkpoint.writes != nil {
            // A software breakpoint whose int3 is gone (its library mapped again) was not in place.
            let task = target.replayer.tasks[target.processLeader]
            let inPlace = armedSinceCheckpoint.filter { address in
                target.softwareBreakpoints[address] == nil || (try? task?.tracee.readMemory(at: address, count: 1)) == [ReplayTarget.int3]
            }
            checkpoint.codeBreakpoints = (inPlace, hitSinceCheckpoint)
        }
        armedSinceCheckpoint = codeBreakpoints
        hitSinceCheckpoint = []
        let place = checkpoints.firstIndex { $0.event > index } ?? checkpoints.endIndex
        checkpoints.insert(checkpoint, at: place)
        if checkpoints.count > Self.mostCheckpoints { dropCrowdedCheckpoint() }
    }

    /// Drops the checkpoint (not the first or last) whose neighbours are closest in events.
    private func dropCrowdedCheckpoint() {
        guard checkpoints.count > 2 else { return }
        let crowded = (1..<checkpoints.count - 1).min { a, b in
            checkpoints[a + 1].event - checkpoints[a - 1].event < checkpoints[b + 1].event - checkpoints[b - 1].event
        }!
        let dropped = checkpoints.remove(at: crowded)
        // The next one's notes now cover the stretch from the one before, if both were kept.
        let next = checkpoints[crowded]
        if let writes = next.writes {
            if writes.since == dropped.event, let before = dropped.writes, let code = next.codeBreakpoints, let codeBefore = dropped.codeBreakpoints {
                next.writes = (before.since, before.pages.merged(with: writes.pages))
                next.codeBreakpoints = (code.armed.intersection(codeBefore.armed), code.hit.union(codeBefore.hit))
            } else if writes.since >= dropped.event {
                // Kept since the dropped one (or later) only: they no longer say anything about the stretch.
                next.writes = nil
                next.codeBreakpoints = nil
            }
        }
    }

    /// The latest checkpoint a replay for `goal` can start from (nil: the start).
    func checkpoint(for goal: SeekGoal) -> ReplayCheckpoint? {
        guard let needed = goal.firstNeededEvent else { return nil }
        return checkpoints.last { $0.event <= needed }
    }

    /// The addresses of the debugger's breakpoints on code, software and hardware.
    var codeBreakpoints: Set<UInt64> { Set(target.softwareBreakpoints.keys).union(target.hardwareBreakpoints) }

    /// Where a search for the last hit before the checkpoint at `origin` goes on: the event of
    /// the latest checkpoint after which a hit may lie before `origin`. With write watchpoints
    /// only (no read or access ones), a stretch between two checkpoints has none if no page
    /// holding a watched byte was written in it (WriteTracker) and each breakpoint on code was in
    /// place throughout it when it was replayed before and was not hit (as gdb's breakpoint on the
    /// dynamic loader's library hook is): that stretch is not replayed again.
    func latestPossibleHitWindow(before origin: UInt64) -> UInt64 {
        guard !target.watchpoints.isEmpty, target.watchpoints.allSatisfy({ $0.kind == .writeWatchpoint }) else { return origin }
        let code = codeBreakpoints
        var origin = origin
        while let later = checkpoints.first(where: { $0.event == origin }), let writes = later.writes,
              let earlier = checkpoints.last(where: { $0.event < origin }), writes.since <= earlier.event,
              let breakpoints = later.codeBreakpoints, code.isSubset(of: breakpoints.armed), code.isDisjoint(with: breakpoints.hit),
              target.watchpoints.allSatisfy({ writes.pages.untouched($0.address..<$0.address + UInt64($0.length)) }) {
            origin = earlier.event
        }
        if origin != replayOrigin { target.replayer.debug("going back: no watched byte written from event \(origin) to \(replayOrigin)") }
        return origin
    }

    /// Ends the session's checkpoints: their processes are killed.
    public func discardCheckpoints() {
        resumeFrom = nil
        checkpoints = []
    }
}

extension SeekGoal {
    /// The earliest event a replay for this goal must see from its start (a checkpoint before
    /// it will do); nil where the replay must start with the program (its first stop, another
    /// process's history, the end of the debugged process).
    var firstNeededEvent: UInt64? {
        switch self {
        case let .collectHits(before: moment):
            switch moment {
            case .start: return nil
            // Hits before this event: those of events replayed before it.
            case let .beforeEvent(event, _): return event > 0 ? event - 1 : nil
            case let .syscallExit(event, _), let .userCode(event, _, _): return event
            }
        case let .stopAtHit(hit), let .countStepsToHit(hit): return hit.event
        case let .countStepsToPosition(event, _, _), let .countStepsInEvent(event, _), let .stopAfterSteps(event, _, _, _):
            return event
        case let .stopBeforeEvent(event): return event
        case let .resumeAfterDiversion(moment, _, _):
            if case .start = moment { return nil }
            return moment.event
        case .start, .rerun, .end, .process, .afterExec: return nil
        }
    }
}
