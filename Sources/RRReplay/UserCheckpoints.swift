import RRCore
import RRGdb

#if canImport(Glibc)
import Glibc
#endif

/// Checkpoints the debugger's user names, as rr has them: `monitor checkpoint` marks the point
/// gdb is stopped at as checkpoint N, and gdb's `run cN` goes back (or forwards) to it;
/// `run N` goes to the point before event N, a bare `run` to the start. rr-launch's gdb defines
/// `checkpoint` and `restart N` as these. A point is kept as going back names it (an event,
/// and in user code the thread's registers and memory digest), and reached by replaying from
/// the latest automatic checkpoint before it (Checkpoints.swift).
struct UserCheckpoint {
    let moment: ReplayMoment
    let thread: Tid
}

extension ReplayDebugger {
    /// `monitor checkpoint`, `monitor info checkpoints`, `monitor delete checkpoint N`; nil for
    /// other commands.
    func checkpointCommand(_ words: [Substring]) -> String? {
        switch words {
        case ["checkpoint"]:
            guard diversion == nil else { return "A checkpoint is not taken inside a diversion (print f(x), set var).\n" }
            guard let moment = try? namedMoment() else { return "The current point cannot be named: no checkpoint.\n" }
            let thread = moment.thread ?? target.processLeader
            let number = nextUserCheckpoint
            nextUserCheckpoint += 1
            userCheckpoints[number] = UserCheckpoint(moment: moment, thread: thread)
            return "Checkpoint \(number) at event \(moment.event).\n"
        case ["info", "checkpoints"]:
            guard !userCheckpoints.isEmpty else { return "No checkpoints.\n" }
            return userCheckpoints.keys.sorted().map { "\($0)\tevent \(userCheckpoints[$0]!.moment.event)\n" }.joined()
        case let command where command.count == 3 && command[0] == "delete" && command[1] == "checkpoint":
            guard let number = Int(command[2]), userCheckpoints.removeValue(forKey: number) != nil else { return "No checkpoint \(command[2]).\n" }
            return "Deleted checkpoint \(number).\n"
        default:
            return nil
        }
    }

    /// Where gdb's `run` with first argument `place` goes (nil: the start).
    func restartGoal(_ place: String?) -> SeekGoal {
        guard let place else { return .rerun }
        if place.hasPrefix("c"), let number = Int(place.dropFirst()), let checkpoint = userCheckpoints[number] {
            return .resumeAfterDiversion(checkpoint.moment, nil, thread: checkpoint.thread.rawValue)
        }
        if let event = UInt64(place) { return .stopBeforeEvent(event) }
        reportError(tool: "rr-replayer", "run \(place): no such checkpoint or event (checkpoints are cN, events numbers); running from the start")
        return .rerun
    }
}

extension ReplayMoment {
    /// The thread the point is on (none at the start).
    var thread: Tid? {
        switch self {
        case .start: return nil
        case let .beforeEvent(_, thread), let .syscallExit(_, thread), let .userCode(_, thread, _): return thread
        }
    }
}
