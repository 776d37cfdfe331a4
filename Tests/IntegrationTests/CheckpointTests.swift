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
    /// started); forwards again the replay ends as recorded, and once the session is over no
    /// checkpoint's process is left.
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
        let stops = [("2995", "1500"), ("1500", "750"), ("750", "0")]
        var searchFrom = output.startIndex
        for (old, new) in stops {
            let pattern = #"Hardware watchpoint 2: progress\s+Old value = "# + old + #"\s+New value = "# + new + #"\s"#
            let found = output.range(of: pattern, options: .regularExpression, range: searchFrom..<output.endIndex)
            #expect(found != nil, "no backwards stop at the write of \(old) after the previous one:\n\(output)\n\(gdb.stderrText)")
            if let found { searchFrom = found.upperBound }
        }
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
        #expect(GdbServerTests.processes(marked: marker).isEmpty, "left behind: \(GdbServerTests.processes(marked: marker))")
    }
}
