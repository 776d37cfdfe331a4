import Foundation
import Testing

/// Going backwards in a replay under gdb (`reverse-continue`, `reverse-step`, `reverse-next`,
/// `reverse-finish`, `reverse-stepi`): gdb, scripted with `gdb -batch -x`, debugs real recordings
/// of our programs and lands where the program's own output says it must.
@Suite(.serialized) struct ReverseExecutionTests {
    typealias Server = GdbServerTests.Server

    /// Each going-back test runs with checkpoints as a session takes them (every 0.2 s of
    /// replay: in these short recordings, one after the exec) and with one before every event
    /// where a copy can be made (0), so that going back starts from checkpoints everywhere.
    static let checkpointIntervals = ["0.2", "0"]

    static func checkpointSettings(_ interval: String) -> [String: String] { ["RR_SWIFT_CHECKPOINT_INTERVAL": interval] }

    /// From a breakpoint after the last write, a watchpoint on a global written in three places
    /// goes back to each write in turn, stopped before the instruction that wrote (the old value
    /// is the later one); one more goes back to the start of the recording, and from there the
    /// replay goes forwards again to the end.
    @Test(.enabled(if: GdbServerTests.gdbAvailable), arguments: checkpointIntervals) func reverseContinueLandsOnEachWriteOfAWatchpointBackwards(checkpointInterval: String) throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let recorded = try Harness.record([program], trace: trace)
        #expect(recorded.stdoutText.hasPrefix("first 11\nsecond 31\nthird 93\n"))
        let server = try Server(trace: trace, in: scratch, settings: Self.checkpointSettings(checkpointInterval))
        let gdb = try server.runGdb(debugging: program, """
        break fill_from_pipe
        continue
        watch watched
        reverse-continue
        reverse-continue
        reverse-continue
        reverse-continue
        continue
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        // Going back each stop shows the value after the write as old, before it as new, at the writing line.
        let stops = [("93", "31", "triple_third", 13), ("31", "11", "add_second", 12), ("11", "0", "set_first", 11)]
        var searchFrom = output.startIndex
        for (old, new, function, line) in stops {
            let pattern = #"Hardware watchpoint 2: watched\s+Old value = "# + old + #"\s+New value = "# + new
                + #"\s+(0x[0-9a-f]+ in )?"# + function + #" \(\) at \S*watch_target.c:"# + "\(line)\n"
            let found = output.range(of: pattern, options: .regularExpression, range: searchFrom..<output.endIndex)
            #expect(found != nil, "no backwards stop in \(function) after the previous one:\n\(output)\n\(gdb.stderrText)")
            if let found { searchFrom = found.upperBound }
        }
        let start = output.range(of: "No more reverse-execution history.", range: searchFrom..<output.endIndex)
        #expect(start != nil, "\(output)")
        // Forwards again from the start: the first write, then the end.
        let forwards = #"Hardware watchpoint 2: watched\s+Old value = 0\s+New value = 11\s+(0x[0-9a-f]+ in )?set_first"#
        #expect(output.range(of: forwards, options: .regularExpression, range: (start?.upperBound ?? searchFrom)..<output.endIndex) != nil, "\(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        #expect(server.stderrLines.count == 1, "\(server.stderrLines)")
    }

    /// Going back from the first instruction: nothing is before it (gdb hears of the start of
    /// the history, not an error); forwards the replay runs as recorded.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func nothingIsBeforeTheFirstInstruction() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let recorded = try Harness.record([program], trace: trace)
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: program, """
        reverse-continue
        reverse-stepi
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.components(separatedBy: "No more reverse-execution history.").count == 3, "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(server.stderrLines.count == 1, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
    }

    /// In a recursive function: `reverse-next` back over a printf and back over the recursive
    /// call, `reverse-step` to the line before, `reverse-finish` out to the caller's frame, whose
    /// argument is the next level up.
    @Test(.enabled(if: GdbServerTests.gdbAvailable), arguments: checkpointIntervals) func reverseStepNextAndFinishInARecursiveFunction(checkpointInterval: String) throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/reverse_target"
        let recorded = try Harness.record([program], trace: trace)
        #expect(recorded.stdoutText.contains("level 2 below 1\n"), "\(recorded.stdoutText)")
        let server = try Server(trace: trace, in: scratch, settings: Self.checkpointSettings(checkpointInterval))
        let gdb = try server.runGdb(debugging: program, """
        break depth_sum if n == 2
        continue
        next
        next
        next
        print below
        reverse-next
        print n
        reverse-next
        reverse-step
        print n
        reverse-finish
        print n
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        let expected = [
            "Breakpoint 1, depth_sum (n=2) at ", "13\t    return below + n;\n", "$1 = 1\n",
            "12\t    printf(\"level %d below %d\\n\", n, below);\n", "$2 = 2\n",
            "11\t    int below = depth_sum(n - 1);\n",
            "10\t    if (n == 0) return 0;\n", "$3 = 2\n",
            " in depth_sum (n=3) at ", "11\t    int below = depth_sum(n - 1);\n", "$4 = 3\n",
            "exited normally]",
        ]
        GdbServerTests.expectInOrder(expected, in: output, context: gdb.stderrText)
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        #expect(server.stderrLines.count == 1, "\(server.stderrLines)")
    }

    /// A recorded NULL store: gdb stops at the SIGSEGV with the caller in the backtrace,
    /// `reverse-stepi` goes to the instruction before, `reverse-continue` to a breakpoint set
    /// then (the last call of the recursion), and forwards again the crash ends the replay as it
    /// ended the recording.
    @Test(.enabled(if: GdbServerTests.gdbAvailable), arguments: checkpointIntervals) func aRecordedCrashStopsAtTheFaultAndGoesBack(checkpointInterval: String) throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/reverse_target"
        let recorded = try Harness.record([program, "crash"], trace: trace)
        #expect(recorded.status == 139)
        let server = try Server(trace: trace, in: scratch, settings: Self.checkpointSettings(checkpointInterval))
        let gdb = try server.runGdb(debugging: program, """
        continue
        bt
        print $pc
        reverse-stepi
        print $pc
        break depth_sum
        reverse-continue
        print n
        delete
        continue
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.contains("Program received signal SIGSEGV"), "\(output)\n\(gdb.stderrText)")
        #expect(output.range(of: #"#1  0x[0-9a-f]+ in main \(argc=2, "#, options: .regularExpression) != nil, "\(output)")
        let pcs = output.matches(of: /\$[12] = \(void \(\*\)\(\)\) 0x([0-9a-f]+) <store_through\+(\d+)>/).map { Int($0.output.2)! }
        #expect(pcs.count == 2, "\(output)")
        if pcs.count == 2 { #expect(pcs[1] < pcs[0] && pcs[0] - pcs[1] <= 15, "reverse-stepi went from +\(pcs[0]) to +\(pcs[1])") }
        #expect(output.contains("Breakpoint 1, depth_sum (n=0) at "), "\(output)")
        #expect(output.contains("$3 = 0\n"), "\(output)")
        #expect(output.contains("Program terminated with signal SIGSEGV"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(server.stderrLines.count == 1, "\(server.stderrLines)")
    }

    /// Two threads write a shared counter: from main's last line a watchpoint goes back to the
    /// thread that wrote last (the one the program named), and once more to the other.
    @Test(.enabled(if: GdbServerTests.gdbAvailable), arguments: checkpointIntervals) func aWatchpointGoesBackToTheThreadThatWroteLast(checkpointInterval: String) throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/shared_counter"
        let recorded = try Harness.record([program], trace: trace)
        let match = try #require(recorded.stdoutText.firstMatch(of: /counter (\d+) last writer (\d)/), "\(recorded.stdoutText)")
        let lastWriter = Int(match.output.2)!
        let server = try Server(trace: trace, in: scratch, settings: Self.checkpointSettings(checkpointInterval))
        let gdb = try server.runGdb(debugging: program, """
        break shared_counter.c:32
        continue
        watch counter
        reverse-continue
        print worker
        print counter
        thread
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.range(of: #"hit Hardware watchpoint 2: counter\s+Old value = "# + match.output.1 + #"\s+New value = \d+\s+(0x[0-9a-f]+ in )?add \("#,
                             options: .regularExpression) != nil, "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("$1 = \(lastWriter)\n"), "\(output)")
        #expect(!output.contains("[Current thread is 1 "), "the write was a worker's: \(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
    }
}

/// Where a session starts: `-g EVENT` before an event (`monitor when` names the one a stop is
/// in), `-e` at the end of the main process, from where going back works too.
@Suite(.serialized) struct SessionStartTests {
    typealias Server = GdbServerTests.Server

    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func startBeforeAnEventOrAtTheEnd() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let recorded = try Harness.record([program], trace: trace)
        // The event the first write's function runs in.
        let fromTheStart = try Server(trace: trace, in: scratch)
        let first = try fromTheStart.runGdb(debugging: program, """
        break triple_third
        continue
        monitor when
        kill
        """)
        _ = fromTheStart.wait()
        // gdb prints a monitor command's output on its stderr.
        let when = try #require(first.stderrText.firstMatch(of: /Current event: (\d+)\n/), "\(first.stdoutText)\n\(first.stderrText)")
        let event = Int(when.output.1)!

        let atEvent = try Server(trace: trace, in: scratch, options: ["-g", "\(event)"])
        let second = try atEvent.runGdb(debugging: program, """
        monitor when
        break triple_third
        continue
        print watched
        kill
        """)
        #expect(second.stderrText.contains("Current event: \(event)\n"), "\(second.stdoutText)\n\(second.stderrText)")
        #expect(!second.stdoutText.contains("in _start () from"), "not at the first instruction: \(second.stdoutText)")
        // The third write is still to come, after the second.
        #expect(second.stdoutText.contains("Breakpoint 1, triple_third ()"), "\(second.stdoutText)")
        #expect(second.stdoutText.contains("$1 = 31\n"), "\(second.stdoutText)")
        _ = atEvent.wait()

        let atEnd = try Server(trace: trace, in: scratch, options: ["-e"])
        let third = try atEnd.runGdb(debugging: program, """
        print watched
        print from_pipe
        watch watched
        reverse-continue
        delete
        continue
        """)
        let status = atEnd.wait()
        let output = third.stdoutText
        #expect(output.contains("$1 = 93\n") && output.contains("$2 = 42\n"), "\(output)\n\(third.stderrText)")
        #expect(output.range(of: #"Old value = 93\s+New value = 31\s+(0x[0-9a-f]+ in )?triple_third"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(atEnd.stderrLines)")
    }

    /// `-e` on a recording that crashed: the session starts at the fault, the caller in the backtrace.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func theEndOfACrashIsTheFault() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/reverse_target"
        let recorded = try Harness.record([program, "crash"], trace: trace)
        let server = try Server(trace: trace, in: scratch, options: ["-e"])
        let gdb = try server.runGdb(debugging: program, """
        bt
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.range(of: #"#0  0x[0-9a-f]+ in store_through \(p=0x0, value=10\)"#, options: .regularExpression) != nil, "\(output)\n\(gdb.stderrText)")
        #expect(output.range(of: #"#1  0x[0-9a-f]+ in main \("#, options: .regularExpression) != nil, "\(output)")
        #expect(output.contains("Program terminated with signal SIGSEGV"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
    }
}

/// `-p COMMAND`: a child of a recorded shell script is debugged from its exec, forwards and
/// backwards; the session ends with that process's status.
@Suite struct OtherProcessTests {
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func aChildOfAShellScriptIsDebuggedByItsName() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let recorded = try Harness.record(["/bin/sh", "-c", "\(program); echo shell-done"], trace: trace)
        #expect(recorded.stdoutText.hasSuffix("shell-done\n"), "\(recorded.stdoutText)")
        let server = try GdbServerTests.Server(trace: trace, in: scratch, options: ["-p", "watch_target"])
        let gdb = try server.runGdb(debugging: program, """
        break triple_third
        continue
        print watched
        watch watched
        reverse-continue
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.contains("Breakpoint 1, triple_third ()"), "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("$1 = 31\n"), "\(output)")
        #expect(output.range(of: #"Old value = 31\s+New value = 11\s+(0x[0-9a-f]+ in )?add_second"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
    }
}
