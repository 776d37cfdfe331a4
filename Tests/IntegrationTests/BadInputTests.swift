import Foundation
import RRTrace
import Testing

/// Every bad input ends with one clear line on stderr and a non-zero status: no crash trace, no hang.
@Suite struct BadInputTests {
    static func expectOneLineError(_ result: Harness.Result, containing text: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.stderrText.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderrText)", sourceLocation: sourceLocation)
        #expect(result.stderrText.contains(text), "\(result.stderrText)", sourceLocation: sourceLocation)
        #expect(!result.stderrText.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    /// A small, finished recording to damage.
    static func goodTrace(in directory: TemporaryDirectory) throws -> URL {
        let trace = directory.url.appendingPathComponent("good.rrt")
        let recorded = try Harness.record(["\(Harness.programs)/file_io"], trace: trace)
        #expect(recorded.status == 0)
        return trace
    }

    @Test func unknownOption() throws {
        Self.expectOneLineError(try Harness.run([Harness.launcher, "record", "--bogus", "--", "ls"]), containing: "unknown option")
        Self.expectOneLineError(try Harness.run([Harness.launcher, "replay", "--bogus"]), containing: "unknown option")
        Self.expectOneLineError(try Harness.run([Harness.launcher, "frobnicate"]), containing: "unknown command")
    }

    @Test func missingProgram() throws {
        Self.expectOneLineError(try Harness.run([Harness.launcher, "record", "--", "/no/such/program"]), containing: "/no/such/program")
        Self.expectOneLineError(try Harness.run([Harness.launcher, "record", "--", "no-such-program-anywhere"]), containing: "program not found")
        Self.expectOneLineError(try Harness.run([Harness.launcher, "record"]), containing: "needs a program")
    }

    /// A trace that cannot be created, and a cache limit that is not a size, are refused before
    /// the recording starts, in one line (not also the supervisor's word that the writer is gone);
    /// no trace is left.
    @Test func traceWriterThatCannotStartSaysWhyOnce() throws {
        let directory = try TemporaryDirectory()
        Self.expectOneLineError(try Harness.run([Harness.launcher, "record", "-o", "/no/such/directory/t.rrt", "--", "true"]),
                                containing: "cannot create the trace /no/such/directory/t.rrt: No such file or directory")
        let trace = directory.url.appendingPathComponent("t.rrt")
        let badLimit = ["RR_SWIFT_CACHE_LIMIT": "lots"]
        Self.expectOneLineError(try Harness.run([Harness.launcher, "record", "-o", trace.path, "--", "true"], environment: badLimit),
                                containing: "RR_SWIFT_CACHE_LIMIT=lots is not a size")
        #expect(!FileManager.default.fileExists(atPath: trace.path))
        let good = try Self.goodTrace(in: directory)
        Self.expectOneLineError(try Harness.run([Harness.launcher, "replay", "-a", good.path], environment: badLimit),
                                containing: "RR_SWIFT_CACHE_LIMIT=lots is not a size")
    }

    /// A program that cannot be executed names the kernel's reason: here a file still open for
    /// writing (ETXTBSY), which the child reports from its failed execve.
    @Test func programOpenForWritingIsRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory()
        let program = directory.url.appendingPathComponent("busy")
        try Harness.copyExecutable(from: "/bin/true", to: program.path)
        let writer = try FileHandle(forUpdating: program)
        defer { try? writer.close() }
        let recorded = try Harness.run([Harness.launcher, "record", "--", program.path])
        Self.expectOneLineError(recorded, containing: "Text file busy")
    }

    @Test func unreadableOrEmptyOrForeignTrace() throws {
        let directory = try TemporaryDirectory()
        Self.expectOneLineError(try Harness.run([Harness.launcher, "replay", "-a", "/no/such/trace.rrt"]), containing: "cannot open trace")
        let empty = directory.url.appendingPathComponent("empty.rrt")
        try Data().write(to: empty)
        Self.expectOneLineError(try Harness.replay(empty), containing: "empty")
        let foreign = directory.url.appendingPathComponent("foreign.rrt")
        try Data("this is not a trace at all, just some text".utf8).write(to: foreign)
        Self.expectOneLineError(try Harness.replay(foreign), containing: "bad magic")
    }

    @Test func flippedByteInTheMiddle() throws {
        let directory = try TemporaryDirectory()
        var bytes = try Data(contentsOf: try Self.goodTrace(in: directory))
        bytes[bytes.count / 2] ^= 0x40
        let damaged = directory.url.appendingPathComponent("flipped.rrt")
        try bytes.write(to: damaged)
        Self.expectOneLineError(try Harness.replay(damaged), containing: "checksum")
    }

    @Test(arguments: [10, 30, 1000, -7, -1])
    func truncatedTrace(cut: Int) throws {
        let directory = try TemporaryDirectory()
        let bytes = try Data(contentsOf: try Self.goodTrace(in: directory))
        let length = cut > 0 ? cut : bytes.count + cut
        let damaged = directory.url.appendingPathComponent("truncated.rrt")
        try bytes.prefix(length).write(to: damaged)
        // Replay streams: the program's own output from the complete blocks may come first.
        let replayed = try Harness.replay(damaged)
        let ownLines = replayed.stderrText.split(separator: "\n").filter { !$0.hasPrefix("file_io:") }
        #expect(replayed.status != 0)
        #expect(ownLines.count == 1 && ownLines[0].hasPrefix("rr-replayer:") && ownLines[0].contains("truncated"), "\(replayed.stderrText)")
        #expect(!replayed.stderrText.contains("Fatal error"))
    }

    /// The trace with another version in its header (and the header checksum fixed, so that
    /// only the version is wrong).
    static func trace(withVersion version: UInt8, in directory: TemporaryDirectory) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: try Self.goodTrace(in: directory)))
        bytes[8] = version  // version field (u32 LE at offset 8)
        let crc = try Harness.run(["python3", "-c", "import zlib,sys; print(zlib.crc32(bytes.fromhex(sys.argv[1])))",
                                   bytes[0..<16].map { String(format: "%02x", $0) }.joined()])
        let value = UInt32(crc.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))!
        for index in 0..<4 { bytes[16 + index] = UInt8((value >> (8 * UInt32(index))) & 0xff) }
        let changed = directory.url.appendingPathComponent("version\(version).rrt")
        try Data(bytes).write(to: changed)
        return changed
    }

    @Test func newerTraceVersion() throws {
        let directory = try TemporaryDirectory()
        Self.expectOneLineError(try Harness.replay(try Self.trace(withVersion: 3, in: directory)), containing: "version 3 is not supported")
    }

    /// A version 1 trace (no output digests) is refused as older, with what to do.
    @Test func olderTraceVersion() throws {
        let directory = try TemporaryDirectory()
        Self.expectOneLineError(try Harness.replay(try Self.trace(withVersion: 1, in: directory)),
                                containing: "version 1 was written by an older rr-swift")
    }

    /// io_uring is refused on purpose: the program gets ENOSYS and one warning line, and the
    /// recording goes on and replays (RefusedSyscallTests covers the other refusals).
    @Test func unsupportedSyscallIsRefusedWithOneWarning() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("unsupported.rrt")
        let recorded = try Harness.record(["\(Harness.programs)/unsupported/io_uring"], trace: trace)
        #expect(recorded.status == 0)
        #expect(recorded.stdoutText == "before io_uring_setup\nio_uring_setup returned -1 (ENOSYS)\n")
        #expect(recorded.stderrText == "rr-supervisor: warning: io_uring_setup is not supported by the recorder; the program got ENOSYS instead, as from a kernel without it, and the recording goes on\n")
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 0 && replayed.stdout == recorded.stdout && replayed.stderr.isEmpty, "\(replayed.stderrText)")
    }

    @Test func divergenceNamesTheEvent() throws {
        let directory = try TemporaryDirectory()
        let trace = try Self.goodTrace(in: directory)
        let tampered = directory.url.appendingPathComponent("diverging.rrt")
        let traced = try TraceSurgery.rewriteFirstSyscall(in: trace, to: tampered) { event in
            guard event.number.name == "lseek" else { return nil }
            var updated = event
            updated.arguments[1] += 1
            return updated
        }
        // With syscall buffering the lseek is a record of a buffer flush: claim it was a getpid.
        let buffered = try !traced && TraceSurgery.rewriteFirstBufferedRecord(in: trace, to: tampered) { record in
            guard record.number.name == "lseek" else { return false }
            record.number = .getpid
            return true
        }
        #expect(traced || buffered)
        let replayed = try Harness.replay(tampered)
        Self.expectOneLineError(replayed, containing: "replay diverged at event")
        if traced {
            #expect(replayed.stderrText.contains("expected syscall lseek"))
        } else {
            #expect(replayed.stderrText.contains("expected buffered syscalls") && replayed.stderrText.contains("getpid="), "\(replayed.stderrText)")
            #expect(replayed.stderrText.contains("got buffered syscalls") && replayed.stderrText.contains("lseek="), "\(replayed.stderrText)")
        }
    }
}

/// A trace from another CPU model is refused: CPUID cannot be trapped here, so the program could
/// take other paths (other ifunc choices, other cpuid results).
@Suite struct CpuModelTests {
    @Test func replayOnAnotherCpuModelIsRefused() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("trace.rrt")
        let moved = directory.url.appendingPathComponent("elsewhere.rrt")
        #expect(try Harness.record(["\(Harness.programs)/uname"], trace: trace).status == 0)
        let messages = try TraceSurgery.messages(of: trace).map { message -> Message in
            guard case var .header(header) = message else { return message }
            header.cpuModel = "vendor_id=GenuineIntel; model name=Some Other CPU; cpu family=6; model=85; stepping=7"
            return .header(header)
        }
        try TraceSurgery.write(messages, to: moved)
        let replayed = try Harness.replay(moved)
        BadInputTests.expectOneLineError(replayed, containing: "cannot replay on this machine")
        #expect(replayed.stderrText.contains("Some Other CPU"))
        #expect(replayed.stdout.isEmpty)
    }
}
