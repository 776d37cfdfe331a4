import Foundation
import RRCore
import Testing

/// A trace carries what replay needs, goes through pipes, and replay runs the program's code.
@Suite struct TraceIndependenceTests {
    @Test func replaysAfterTheProgramAndItsInputAreDeleted() throws {
        let directory = try TemporaryDirectory()
        let program = directory.url.appendingPathComponent("mysum")
        let input = directory.url.appendingPathComponent("input.txt")
        try Harness.copyExecutable(from: "/usr/bin/sha256sum", to: program.path)
        try Data("some input for the copied program\n".utf8).write(to: input)
        let trace = directory.url.appendingPathComponent("trace.rrt")
        let recorded = try Harness.record([program.path, input.path], trace: trace)
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        try FileManager.default.removeItem(at: program)
        try FileManager.default.removeItem(at: input)
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 0, "\(replayed.stderrText)")
        #expect(replayed.stdout == recorded.stdout)
        #expect(recorded.stdoutText.contains("input.txt"))
    }

    @Test func recordToStdoutPipesIntoReplayFromStdin() throws {
        let directory = try TemporaryDirectory()
        let output = directory.url.appendingPathComponent("replayed.txt")
        let recordedOutput = directory.url.appendingPathComponent("recorded.txt")
        let pipeline = "\(Harness.launcher) record -o - -- seq 1 5000 2>\(recordedOutput.path) | \(Harness.launcher) replay - >\(output.path)"
        let result = try Harness.run(["bash", "-o", "pipefail", "-c", pipeline])
        #expect(result.status == 0, "\(result.stderrText)")
        let replayed = try Data(contentsOf: output)
        #expect(replayed == (try Data(contentsOf: recordedOutput)))
        #expect(replayed == (try Harness.run(["seq", "1", "5000"])).stdout)
    }

    @Test func replayReexecutesTheProgramsCode() throws {
        // Replace the bytes the program read with other bytes: a replay that re-executes the
        // program upper-cases them, and stops at the write that would print them, whose output
        // digest then is that of the upper-cased new bytes; one that printed saved output would not.
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("trace.rrt")
        let tampered = directory.url.appendingPathComponent("tampered.rrt")
        let recorded = try Harness.record(["\(Harness.programs)/upcase_file"], trace: trace)
        #expect(recorded.stdoutText == "HELLO REPLAY\n")
        let changed = try TraceSurgery.rewriteFirstSyscall(in: trace, to: tampered) { event in
            guard event.number.name == "pread64", let write = event.writes.first,
                  write.bytes == Array("hello replay".utf8) else { return nil }
            var updated = event
            updated.writes = [.init(address: write.address, bytes: Array("bonjour rply".utf8))]
            return updated
        } || TraceSurgery.rewriteFirstBufferedRecord(in: trace, to: tampered) { record in
            // With syscall buffering the read is a record in a buffer flush.
            guard record.number.name == "pread64", record.output.starts(with: Array("hello replay".utf8)) else { return false }
            record.output.replaceSubrange(0..<12, with: Array("bonjour rply".utf8))
            return true
        }
        #expect(changed)
        let replayed = try Harness.replay(tampered)
        let upperCased = OutputDigest.text(OutputDigest.digest(of: Array("BONJOUR RPLY\n".utf8)))
        #expect(replayed.status != 0)
        #expect(replayed.stderrText.contains("expected write output digest") && replayed.stderrText.contains("got output digest \(upperCased):"),
                "\(replayed.stderrText)")
        #expect(replayed.stdoutText.isEmpty, "the changed output was printed: \(replayed.stdoutText)")
    }
}
