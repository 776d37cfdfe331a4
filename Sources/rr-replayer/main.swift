import ArgumentParser
import RRCore
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

    @Option(name: .customLong("report-peak-rss"), help: "At exit, append \"rr-replayer KIB\" (peak resident memory) to this file.")
    var reportPeakRss: String?

    func run() throws {
        if let reportPeakRss { PeakMemoryReport.atExit(tool: "rr-replayer", appendingTo: reportPeakRss) }
        do {
            let reader = try StreamReader.open(trace, partial: partial)
            var options = Replayer.Options()
            options.cpu = cpu
            if let directory = getenv("RR_SWIFT_INTERPRETER_CACHE") { options.interpreterDirectory = String(cString: directory) }
            let replayer = try Replayer(reader: reader, options: options)
            switch try replayer.replay() {
            case let .completed(status):
                throw ExitCode(status)
            case let .prefixReplayed(events, bytes, blocks):
                reportError(tool: "rr-replayer", "the trace is truncated: replayed its complete prefix of \(events) events (\(blocks) blocks, \(bytes) bytes); the recording continued beyond it")
            }
        } catch let error as RRError {
            reportError(tool: "rr-replayer", "\(error)")
            throw ExitCode(1)
        }
    }
}

ReplayCommand.main()
