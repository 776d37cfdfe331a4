import Foundation
import Testing

/// Recorded signals that are not faults stop a gdb session before they are delivered, as
/// "Program received signal", unless gdb said to pass them unseen (`handle ... nostop`, sent
/// as QPassSignals); either way the recorded signal goes in and the handler runs as recorded.
@Suite(.serialized) struct SignalStopTests {
    typealias Server = GdbServerTests.Server

    /// raise.c raises SIGUSR1 (caught), then blocks it, raises it and unblocks it, then sends
    /// itself SIGUSR2 twice. With SIGUSR2 passed unseen, gdb stops at the two SIGUSR1
    /// deliveries, before each (the handler's count is 0, then 1), never at SIGUSR2; the
    /// program's output and status are the recording's.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func aRecordedSignalStopsBeforeItIsDelivered() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/raise"
        let recorded = try Harness.record([program], trace: trace)
        #expect(recorded.stdoutText.contains("after raise(SIGUSR1): handler ran 1 time(s)\n"), "\(recorded.stdoutText)")
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: program, """
        handle SIGUSR2 nostop noprint pass
        continue
        print usr1_count
        continue
        print usr1_count
        handle SIGUSR1 nostop noprint pass
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        let expected = ["Program received signal SIGUSR1", "$1 = 0\n", "Program received signal SIGUSR1", "$2 = 1\n", "exited normally]"]
        GdbServerTests.expectInOrder(expected, in: output, context: gdb.stderrText)
        #expect(!output.contains("SIGUSR2,"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
    }
}
