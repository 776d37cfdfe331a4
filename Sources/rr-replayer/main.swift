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

    func validate() throws {
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
                replayer.attach(debugger!)
            }
            let outcome: Replayer.Outcome
            do {
                while true {
                    do {
                        outcome = try replayer.replay()
                        replayer.releaseCache()
                        break
                    } catch is ReplayDebugger.Restart {
                        // The debugger goes back: the recording is replayed again from its start.
                        replayer.releaseCache()
                        replayer = try Replayer(reader: try StreamReader.open(trace, partial: partial), options: options)
                        replayer.attach(debugger!)
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
