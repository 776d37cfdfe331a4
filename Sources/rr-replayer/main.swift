import ArgumentParser
import RRCore
import RRGdb
import RRReplay
import RRTrace
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Replays a trace: re-executes the recorded program and checks it against the recording.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rr-replayer",
        abstract: "Replay a trace (a file, or - for stdin), re-executing the recorded program.",
        discussion: "The program's own writes to stdout and stderr appear on the replayer's. Exits with the recorded status; reports a divergence with its event index.")

    @Argument(help: "The trace file, or - for stdin.")
    var trace: String = "-"

    @Option(help: "CPU to pin the replayer and the program to.")
    var cpu: Int32 = 0

    @Flag(help: "Replay the complete prefix of a truncated trace, then say where it ends.")
    var partial = false

    @Option(name: .customLong("server"), help: ArgumentHelp("Serve the gdb remote protocol on [HOST:]PORT (loopback only; port 0 picks a free one) and replay as the debugger directs.", valueName: "[HOST:]PORT"))
    var server: String?

    @Option(name: .customLong("goto-event"), help: ArgumentHelp("With --server: the session starts before this event (as `monitor when` numbers them) rather than at the first instruction.", valueName: "N"))
    var gotoEvent: UInt64?

    @Flag(name: .customLong("end"), help: "With --server: the session starts at the end of the main process (before its exit, or at the fault that kills it).")
    var atEnd = false

    @Option(name: .customLong("process"), help: ArgumentHelp("With --server: debug this recorded process (a pid: from its creation; a program's name: from its first exec) rather than the main one.", valueName: "PID|COMMAND"))
    var process: String?

    func validate() throws {
        if (gotoEvent != nil || atEnd || process != nil) && server == nil { throw ValidationError("--goto-event, --end and --process need --server") }
        if process != nil && (gotoEvent != nil || atEnd) { throw ValidationError("--process starts where that process does: it cannot be combined with --goto-event or --end") }
        if let process, process.isEmpty { throw ValidationError("--process needs a pid or a program's name") }
        if gotoEvent != nil && atEnd { throw ValidationError("--goto-event and --end both say where to start: give one") }
        if let server, Self.serverPort(server) == nil {
            throw ValidationError("--server needs [HOST:]PORT with HOST 127.0.0.1 or localhost (the server listens on loopback only) and PORT 0-65535, not \"\(server)\"")
        }
    }

    static func serverPort(_ text: String) -> UInt16? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, GdbListener.loopbackNames.contains(parts.count == 2 ? String(parts[0]) : "") else { return nil }
        return UInt16(parts[parts.count - 1])
    }

    @Option(name: .customLong("report-peak-rss"), help: "At exit, append \"rr-replayer KIB\" (peak resident memory) to this file.")
    var reportPeakRss: String?

    func run() throws {
        if let reportPeakRss { PeakMemoryReport.atExit(tool: "rr-replayer", appendingTo: reportPeakRss) }
        do {
            var options = Replayer.Options()
            options.cpu = cpu
            options.cacheLimit = try CacheBudget.limitFromEnvironment()
            if let directory = getenv("RR_SWIFT_INTERPRETER_CACHE") { options.interpreterDirectory = String(cString: directory) }
            var replayer = try Replayer(reader: try StreamReader.open(trace, partial: partial), options: options)
            var debugger: ReplayDebugger?
            if let server, let port = Self.serverPort(server) {
                let listener = try GdbListener(port: port)
                // One line, read by scripts (and rr-launch) to know where to connect.
                reportError(tool: "rr-replayer", "gdb server listening on 127.0.0.1:\(listener.port)")
                let channel = PacketChannel(transport: try listener.accept())
                debugger = ReplayDebugger(channel: channel)
                debugger?.canRestart = trace != "-"
                if gotoEvent != nil || atEnd { debugger?.start(before: gotoEvent) }
                if let process { debugger?.debugProcess(process) }
                replayer.attach(debugger!)
            }
            let outcome: Replayer.Outcome
            defer { debugger?.discardCheckpoints() }
            do {
                while true {
                    do {
                        outcome = try replayer.replay()
                        replayer.releaseCache()
                        break
                    } catch is ReplayDebugger.Restart {
                        // The debugger goes back: the recording is replayed again, from a
                        // checkpoint or from its start.
                        replayer = try replayer.again(trace: trace, partial: partial)
                    }
                }
            } catch let ended as ReplayDebugger.Ended {
                replayer.releaseCache()
                if ended.detached { reportError(tool: "rr-replayer", "the debugger detached at event \(replayer.eventIndex): the replay ended there") }
                return
            } catch let error as GdbProtocolError {
                replayer.releaseCache()
                reportError(tool: "rr-replayer", "\(error) at event \(replayer.eventIndex): the replay ended there")
                throw ExitCode(1)
            }
            switch outcome {
            case let .completed(status):
                throw ExitCode(status)
            case let .prefixReplayed(events, bytes, blocks):
                reportError(tool: "rr-replayer", "the trace is truncated: replayed its complete prefix of \(events) events (\(blocks) blocks, \(bytes) bytes); the recording continued beyond it")
            }
        } catch let error as GdbProtocolError {
            reportError(tool: "rr-replayer", "\(error)")
            throw ExitCode(1)
        } catch let error as RRError {
            reportError(tool: "rr-replayer", "\(error)")
            throw ExitCode(1)
        }
    }
}

ReplayCommand.main()
