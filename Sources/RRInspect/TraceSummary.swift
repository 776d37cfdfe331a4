import RRCore
import RRTrace

/// One recorded process, as `rr-launch ps` lists it.
public struct ProcessRecord {
    public var pid: Tid
    public var parent: Tid?
    public var commandLine: [String]
    public var exitStatus: Int32?
}

/// Everything the inspection commands report, gathered in one pass over a trace.
public struct TraceSummary {
    public var header: TraceHeader?
    public var end: TraceEnd?
    public var eventCount: UInt64 = 0
    public var eventsByKind: [String: UInt64] = [:]
    public var fileCount = 0
    public var fileBytes: UInt64 = 0
    public var memoryWriteBytes: UInt64 = 0
    /// Read data kept by content (StoredWrite); its pieces count among the files.
    public var storedWriteBytes: UInt64 = 0
    public var processes: [ProcessRecord] = []
    public var threadCount = 0
    public var complete = false

    private var processIndex: [Tid: Int] = [:]
    /// Thread id to its process id (for threads created with CLONE_THREAD).
    private var processOf: [Tid: Tid] = [:]

    public init() {}

    /// Reads the whole trace; `visit` sees every event with its index.
    public static func read(_ reader: StreamReader, visit: (UInt64, TraceEvent) throws -> Void = { _, _ in }) throws -> TraceSummary {
        var summary = TraceSummary()
        while let message = try reader.next() {
            switch message {
            case let .header(header): summary.header = header
            case let .fileContent(_, bytes):
                summary.fileCount += 1
                summary.fileBytes += UInt64(bytes.count)
            case let .event(event):
                try visit(summary.eventCount, event)
                summary.add(event)
            case let .end(end):
                summary.end = end
                summary.complete = end.error.isEmpty
            }
        }
        return summary
    }

    mutating func add(_ event: TraceEvent) {
        eventCount += 1
        eventsByKind[event.kindName, default: 0] += 1
        switch event {
        case let .exec(exec):
            let pid = processOf[exec.tid] ?? exec.tid
            let command = exec.arguments.map { String(decoding: $0, as: UTF8.self) }
            if let index = processIndex[pid] {
                processes[index].commandLine = command
            } else {
                processIndex[pid] = processes.count
                processOf[exec.tid] = pid
                processes.append(ProcessRecord(pid: pid, parent: nil, commandLine: command, exitStatus: nil))
                threadCount += 1
            }
        case let .taskCreated(created):
            threadCount += 1
            let flags = created.number == .clone ? created.arguments[0] : 0
            let parentProcess = processOf[created.tid] ?? created.tid
            if flags & 0x10000 != 0 {  // CLONE_THREAD
                processOf[created.child] = parentProcess
            } else {
                processOf[created.child] = created.child
                processIndex[created.child] = processes.count
                let inherited = processIndex[parentProcess].map { processes[$0].commandLine } ?? []
                processes.append(ProcessRecord(pid: created.child, parent: parentProcess, commandLine: inherited, exitStatus: nil))
            }
        case let .exit(exit):
            if processOf[exit.tid] == exit.tid || processOf[exit.tid] == nil, let index = processIndex[exit.tid] {
                processes[index].exitStatus = exit.shellStatus
            }
        case let .syscall(syscall):
            memoryWriteBytes += syscall.writes.reduce(0) { $0 + UInt64($1.bytes.count) }
            storedWriteBytes += syscall.storedWrites.reduce(0) { $0 + $1.length }
        default:
            break
        }
    }
}

extension TraceEvent {
    public var kindName: String {
        switch self {
        case .exec: "exec"
        case .syscall: "syscall"
        case .instructionTrap: "instructionTrap"
        case .signal: "signal"
        case .exit: "exit"
        case .syscallEntry: "syscallEntry"
        case .taskCreated: "taskCreated"
        case .patch: "patch"
        case .preemption: "preemption"
        case .bufferFlush: "bufferFlush"
        }
    }
}
