import Foundation
import Testing

/// Checkpoints of a replay under gdb: going back replays from a copy of the replayed process
/// taken near the point it needs, not from the start of the recording.
@Suite(.serialized) struct CheckpointTests {
    typealias Server = GdbServerTests.Server
    static let program = Harness.programs + "/checkpoint_target"

    /// A recording of 3000 traced syscalls (`record -n`, one event each) writes a global at
    /// three of them. With a checkpoint before every event that allows one (thinned to the
    /// session's bound), a watchpoint goes back from the end to each write in turn, the one near
    /// the end from a checkpoint near it (the replayer's debug log names where each replay
    /// started) and the stretches in which the watched page was not written skipped; forwards
    /// again the replay ends as recorded, and once the session is over no checkpoint's process
    /// is left.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func goingBackStartsFromACheckpointNearThePoint() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        // The marker names the replayed process and its copies, to find any left behind.
        let marker = "checkpoint-test-\(UUID().uuidString)"
        let recorded = try Harness.run([Harness.launcher, "record", "-n", "-o", trace.path, "--", Self.program, "3000", marker])
        #expect(recorded.stdoutText == "2995 1\n", "\(recorded.stderrText)")
        let server = try Server(trace: trace, in: scratch, settings: ["RR_SWIFT_CHECKPOINT_INTERVAL": "0", "RR_SWIFT_DEBUG": "1"])
        let gdb = try server.runGdb(debugging: Self.program, """
        break finish_line
        continue
        watch progress
        reverse-continue
        reverse-continue
        reverse-continue
        reverse-continue
        continue
        delete
        continue
        """)
        let status = server.wait(seconds: 60)
        let output = gdb.stdoutText
        let stops = [("2995", "1500"), ("1500", "750"), ("750", "0")].map { old, new in
            #"Hardware watchpoint 2: progress\s+Old value = "# + old + #"\s+New value = "# + new + #"\s"#
        }
        let searchFrom = GdbServerTests.expectInOrder(stops, in: output, regex: true, context: gdb.stderrText)
        let start = output.range(of: "No more reverse-execution history.", range: searchFrom..<output.endIndex)
        #expect(start != nil, "\(output)")
        let forwards = #"Hardware watchpoint 2: progress\s+Old value = 0\s+New value = 750\s"#
        #expect(output.range(of: forwards, options: .regularExpression, range: (start?.upperBound ?? searchFrom)..<output.endIndex) != nil, "\(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status)
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        let origins = server.stderrLines.compactMap { line -> Int? in
            guard let range = line.range(of: "replaying again from the checkpoint before event ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(origins.contains { $0 > 2500 }, "replays went back from events \(origins)")
        // From the write near the end to the one half way, the stretches where the watched page
        // was not written are skipped, not replayed.
        #expect(server.stderrLines.contains { $0.contains("going back: no watched byte written from event ") }, "\(server.stderrLines.filter { $0.contains("going back") })")
        #expect(GdbServerTests.processes(marked: marker).isEmpty, "left behind: \(GdbServerTests.processes(marked: marker))")
    }

    /// gdb's `checkpoint` and `restart N` in the session `replay` starts: a checkpoint named at
    /// a breakpoint, a later stop, then `restart 1` is back at the first with its values and
    /// frame; `monitor info checkpoints` lists it, and the replay goes on from there to the end.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func checkpointAndRestartInGdb() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let marker = "checkpoint-test-\(UUID().uuidString)"
        let recorded = try Harness.record([program, marker], trace: trace)
        #expect(recorded.stdoutText.hasPrefix("first 11\nsecond 31\nthird 93\n"))
        let commands = ["break add_second", "continue", "checkpoint", "print watched", "break read_fourth", "continue",
                        "print watched", "restart 1", "print watched", "bt 1", "monitor info checkpoints", "restart 7",
                        "delete", "continue"]
        let session = try Harness.run([Harness.launcher, "replay", trace.path, "--", "-nx", "-batch"] + commands.flatMap { ["-ex", $0] })
        let output = session.stdoutText
        #expect(session.status == 0, "\(session.stderrText)")
        let expected = ["$1 = 11\n", "$2 = 93\n", "$3 = 11\n", "#0  add_second () at ", "exited normally]"]
        GdbServerTests.expectInOrder(expected, in: output, context: session.stderrText)
        // What monitor commands print goes to gdb's stderr in batch mode.
        let errors = session.stderrText
        #expect(errors.range(of: #"Checkpoint 1 at event \d+\.\n1\tevent \d+\n"#, options: .regularExpression) != nil, "\(errors)")
        // A checkpoint that does not exist: one line, and the replay starts again from the start.
        #expect(errors.contains("run c7: no such checkpoint or event"), "\(errors)")
        #expect(GdbServerTests.processes(marked: marker).isEmpty)
    }
}
