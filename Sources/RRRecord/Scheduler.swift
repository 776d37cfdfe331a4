import RRCore
import RRPtrace

/// Decides which tracee thread runs. At most one thread runs user code at a time (the runner);
/// others are stopped (ready, or holding a stop not yet handled) or inside a blocking syscall in
/// the kernel. Stops of in-kernel threads that arrive while a runner is active are queued and
/// handled only once the runner has stopped, so nothing a thread observes depends on timing.
final class Scheduler {
    private var tasks: [Tid: RecordedTask] = [:]
    private(set) var runner: RecordedTask?
    /// Whether the runner was resumed into a syscall (rather than into user code).
    private(set) var runnerInSyscall = false
    private var inKernel: Set<Tid> = []
    private var ready: [RecordedTask] = []
    private var queuedStops: [(Tid, Stop)] = []
    /// First stops of new tasks that arrived before their parent's creation event.
    private var earlyStops: [Tid: Stop] = [:]

    var isEmpty: Bool { tasks.isEmpty }
    /// Whether something other than the runner could make progress now.
    var hasOtherWork: Bool { ready.contains { $0.programTracer == nil } || !queuedStops.isEmpty }

    func task(_ tid: Tid) -> RecordedTask? { tasks[tid] }

    func add(_ task: RecordedTask) { tasks[task.tid] = task }

    var allTasks: [RecordedTask] { Array(tasks.values) }

    /// The task now has another tid (exec from a non-main thread).
    func rekey(_ task: RecordedTask, from old: Tid) {
        tasks[old] = nil
        inKernel.remove(old)
        tasks[task.tid] = task
    }

    func tasks(of process: RecordedProcess) -> [RecordedTask] {
        tasks.values.filter { $0.process === process }
    }

    func hasOtherThreads(than task: RecordedTask) -> Bool {
        tasks.values.contains { $0 !== task && $0.process === task.process }
    }

    func remove(_ task: RecordedTask) {
        tasks[task.tid] = nil
        inKernel.remove(task.tid)
        ready.removeAll { $0 === task }
        inGroupStop.removeAll { $0 === task }
        if runner === task { runner = nil }
    }

    func setRunner(_ task: RecordedTask, inSyscall: Bool) {
        runner = task
        runnerInSyscall = inSyscall
    }

    func putInKernel(_ task: RecordedTask) {
        inKernel.insert(task.tid)
        if runner === task { runner = nil }
    }

    /// The task reported a stop: it is no longer running anywhere.
    func stopped(_ task: RecordedTask) {
        inKernel.remove(task.tid)
        if runner === task { runner = nil }
    }

    func makeReady(_ task: RecordedTask) {
        if runner === task { runner = nil }
        ready.append(task)
    }

    /// Chaos mode: the next thread is picked at random rather than in turn.
    var picksAtRandom = false

    /// A ready thread to run; not one held by the program's own tracer (ProgramTracer).
    func takeReady() -> RecordedTask? {
        let runnable = ready.indices.filter { ready[$0].programTracer == nil }
        guard !runnable.isEmpty else { return nil }
        return ready.remove(at: picksAtRandom ? runnable.randomElement()! : runnable[0])
    }

    func isInKernel(_ task: RecordedTask) -> Bool { inKernel.contains(task.tid) }

    // MARK: job control

    /// Threads in a group stop (SIGSTOP, SIGTSTP, ...). A tracee attached with PTRACE_TRACEME
    /// would run on if resumed, so each is held in its ptrace stop until a SIGCONT (or SIGKILL)
    /// is pending for it, as the kernel would hold it without a tracer.
    private var inGroupStop: [RecordedTask] = []

    var hasTasksInGroupStop: Bool { !inGroupStop.isEmpty }

    func holdInGroupStop(_ task: RecordedTask) {
        if runner === task { runner = nil }
        inGroupStop.append(task)
    }

    /// Makes ready every held thread that a SIGCONT or SIGKILL has been sent to.
    func releaseContinuedTasks() {
        let wakers = SignalNumber.sigcont.maskBit | SignalNumber.sigkill.maskBit
        inGroupStop.removeAll { task in
            // A thread whose status cannot be read has died: its exit is reported by wait.
            guard let pending = try? task.tracee.pendingSignals() else { return true }
            guard pending & wakers != 0 else { return false }
            ready.append(task)
            return true
        }
    }

    func queue(_ tid: Tid, _ stop: Stop) { queuedStops.append((tid, stop)) }

    func takeQueuedStop() -> (Tid, Stop)? { queuedStops.isEmpty ? nil : queuedStops.removeFirst() }

    func rememberEarlyStop(_ tid: Tid, _ stop: Stop) { earlyStops[tid] = stop }

    func takeEarlyStop(_ tid: Tid) -> Stop? { earlyStops.removeValue(forKey: tid) }

    /// Ends every tracee (after a recording error); PTRACE_O_EXITKILL covers a supervisor crash.
    func killAll() {
        for task in tasks.values {
            task.tracee.kill()
            try? task.tracee.resume(.toSignal)  // a thread held at its exit stop must be let go
        }
        for task in tasks.values {
            // Bounded: a stop already collected (and queued) is not reported again.
            while let (_, stop) = (try? Stop.wait(for: task.tid, timeout: 500_000_000)) ?? nil {
                if case .exited = stop { break }
                if case .killed = stop { break }
                try? task.tracee.resume(.toSignal)
            }
        }
        tasks.removeAll()
    }
}
