import Foundation
import Testing

/// Changes made from gdb (`print f(x)`, `set var`) run in a diversion that the replay throws
/// away: afterwards the replay goes on exactly as recorded.
@Suite(.serialized) struct DiversionTests {
    typealias Server = GdbServerTests.Server

    /// A function of the program called from gdb returns its value; `continue` then replays the
    /// rest as recorded (output and status).
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func aFunctionCallLeavesTheReplayAsRecorded() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let marker = "gdb-diversion-test-\(UUID().uuidString)"
        let recorded = try Harness.record([GdbServerTests.program, marker], trace: trace)
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: GdbServerTests.program, """
        break accumulate
        continue
        print scale(2, 5)
        print scale(7, 6)
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.contains("$1 = 10\n") && output.contains("$2 = 42\n"), "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("exited with code 05]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        #expect(server.stderrLines.count == 1, "\(server.stderrLines)")
        #expect(GdbServerTests.processes(marked: marker).isEmpty)
    }

    /// A global set from gdb is seen by a function called in the program; the replay then
    /// goes on with the recorded value, and going back from there still works.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func aVariableSetFromGdbIsUndoneOnContinue() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let recorded = try Harness.record([program], trace: trace)
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: program, """
        break triple_third
        break fill_from_pipe
        continue
        set var watched = 1000
        print read_fourth()
        continue
        print watched
        watch watched
        reverse-continue
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.contains("$1 = 1001\n"), "\(output)\n\(gdb.stderrText)")
        // At fill_from_pipe: the value the recording had, not the one gdb wrote.
        #expect(output.contains("Breakpoint 2, fill_from_pipe") && output.contains("$2 = 93\n"), "\(output)")
        #expect(output.range(of: #"Old value = 93\s+New value = 31\s+(0x[0-9a-f]+ in )?triple_third"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
    }
}
