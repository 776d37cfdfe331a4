import ArgumentParser
import RRCore
import RRInspect
import RRTrace
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Looks inside traces without replaying them.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rr-inspect",
        abstract: "Look inside rr-swift traces without replaying them.",
        subcommands: [ProcessList.self, Dump.self, TraceInfo.self, ListTraces.self])
}

func openTrace(_ path: String) throws -> StreamReader { try StreamReader.open(path) }

/// Runs a command body, turning tool errors into one line on stderr and exit status 1.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as RRError {
        reportError(tool: "rr-inspect", "\(error)")
        throw ExitCode(1)
    }
}

func output(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { buffer in
        var done = 0
        while done < buffer.count {
            let n = write(1, buffer.baseAddress! + done, buffer.count - done)
            if n <= 0 { return }
            done += n
        }
    }
}

struct ProcessList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List every recorded process: pid, ppid, exit status, command line.")
    @Argument(help: "The trace (a file, or - for stdin).") var trace: String = "-"

    func run() throws {
        try reporting {
            let summary = try TraceSummary.read(try openTrace(trace))
            output("PID\tPPID\tEXIT\tCMD")
            for process in summary.processes {
                let exit = process.exitStatus.map(String.init) ?? "-"
                output("\(process.pid)\t\(process.parent.map { String($0.rawValue) } ?? "--")\t\(exit)\t\(process.commandLine.joined(separator: " "))")
            }
        }
    }
}

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "Print every event (thread, syscall, arguments, result, signal).")
    @Argument(help: "The trace (a file, or - for stdin).") var trace: String = "-"
    @Flag(help: "Print a JSON array of event objects.") var json = false
    @Option(help: "Only events of this thread.") var tid: Int32?
    @Option(help: "First event index to print.") var from: UInt64 = 0
    @Option(help: "Last event index to print.") var to: UInt64 = .max

    func run() throws {
        try reporting {
            var first = true
            if json { output("[") }
            _ = try TraceSummary.read(try openTrace(trace)) { index, event in
                guard index >= from, index <= to, tid == nil || event.tid.rawValue == tid else { return }
                if json {
                    output((first ? "" : ",") + event.json(index: index).text)
                    first = false
                } else {
                    output(event.line(index: index))
                }
            }
            if json { output("]") }
        }
    }
}

struct TraceInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "traceinfo", abstract: "Print the trace header and its counts as JSON.")
    @Argument(help: "The trace (a file, or - for stdin).") var trace: String = "-"

    func run() throws {
        try reporting {
            let reader = try openTrace(trace)
            let summary = try TraceSummary.read(reader)
            guard let header = summary.header else { throw RRError.corruptTrace("the trace has no header") }
            let info: JSON = .object([
                ("format_version", .unsigned(UInt64(StreamFormat.version))),
                ("compression", .string(reader.compression.name)),
                ("cpu_model", .string(header.cpuModel)),
                ("kernel", .string(header.kernelRelease)),
                ("hostname", .string(header.hostname)),
                ("start_time", .unsigned(header.startTime)),
                ("command_line", .array(header.commandLine.map { .string($0) })),
                ("working_directory", .string(header.workingDirectory)),
                ("complete", .bool(summary.complete)),
                ("exit_status", summary.end.map { .int(Int64($0.exitStatus)) } ?? .null),
                ("error", summary.end.map { $0.error.isEmpty ? .null : .string($0.error) } ?? .string("the trace has no end message")),
                ("events", .unsigned(summary.eventCount)),
                ("events_by_kind", .object(summary.eventsByKind.sorted { $0.key < $1.key }.map { ($0.key, .unsigned($0.value)) })),
                ("processes", .int(Int64(summary.processes.count))),
                ("threads", .int(Int64(summary.threadCount))),
                ("files", .int(Int64(summary.fileCount))),
                ("file_bytes", .unsigned(summary.fileBytes)),
                ("memory_write_bytes", .unsigned(summary.memoryWriteBytes)),
                ("stored_write_bytes", .unsigned(summary.storedWriteBytes)),
                ("blocks", .unsigned(UInt64(reader.completeBlocks))),
                ("stored_bytes", .unsigned(reader.completeBytes)),
                ("raw_bytes", .unsigned(reader.rawBytes)),
            ])
            output(info.text)
        }
    }
}

struct ListTraces: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the traces in a trace directory.")
    @Argument(help: "The trace directory.") var directory: String

    func run() throws {
        try reporting {
            guard let dir = opendir(directory) else { throw RRError.usage("cannot open trace directory \(directory)") }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasSuffix(".rrt") { names.append(name) }
            }
            output("TRACE\tBYTES\tSTARTED\tCMD")
            for name in names.sorted() {
                let path = "\(directory)/\(name)"
                var info = stat()
                let size = stat(path, &info) == 0 ? Int64(info.st_size) : -1
                let header: TraceHeader? = try? { () throws -> TraceHeader? in
                    if case let .header(h)? = try openTrace(path).next() { return h }
                    return nil
                }()
                let started = header.map { localTime($0.startTime) } ?? "?"
                output("\(name)\t\(size)\t\(started)\t\(header?.commandLine.joined(separator: " ") ?? "(unreadable)")")
            }
        }
    }
}

/// A start time as `ls -l` shows a modification time, in local time: "Dec  3 05:40", or with
/// the year instead of the time when it is more than six months away from now.
func localTime(_ seconds: UInt64) -> String {
    var time = time_t(seconds), parts = tm()
    guard localtime_r(&time, &parts) != nil else { return String(seconds) }
    let sixMonths: Int64 = 182 * 24 * 3600
    let format = abs(Int64(Glibc.time(nil)) - Int64(seconds)) > sixMonths ? "%b %e  %Y" : "%b %e %H:%M"
    var buffer = [CChar](repeating: 0, count: 64)
    let length = strftime(&buffer, buffer.count, format, &parts)
    return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

Inspect.main()
