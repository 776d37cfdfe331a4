import Foundation
import Testing

/// Programs built with AddressSanitizer, as people chasing memory errors record them. Its runtime
/// must come first in the initial library list (the recorder puts it before the preload library),
/// and LeakSanitizer's stop-the-world thread is made with CLONE_UNTRACED (the recorder traces it
/// anyway, or its syscalls would all fail under the seccomp filter and the recording hang) and
/// uses ptrace, which the recorder emulates (ProgramTracer).
@Suite struct SanitizerTests {
    static let program = "\(Harness.programs)/asan_report"
    /// The tests of other reports leave the leak check out.
    static let noLeakCheck = ["ASAN_OPTIONS": "detect_leaks=0"]

    /// Records and replays with `environment`; the replay must reproduce the recording's output,
    /// stderr and status.
    static func recordAndReplay(_ arguments: [String], environment: [String: String]) throws -> Harness.Result {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("asan.rrt")
        let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--"] + arguments, timeout: 60,
                                       environment: environment)
        let replayed = try Harness.run([Harness.launcher, "replay", "-a", trace.path], timeout: 60)
        let recordedStderr = Harness.withoutRefusalWarnings(recorded.stderr)
        #expect(replayed.status == recorded.status, "replay \(replayed.status) vs record \(recorded.status): \(replayed.stderrText.suffix(300))")
        #expect(replayed.stdout == recorded.stdout)
        #expect(replayed.stderr == recordedStderr, "stderr differs: \(replayed.stderrText.suffix(300))")
        return recorded
    }

    @Test func cleanRunIsAsNative() throws {
        let native = try Harness.run([Self.program], environment: Self.noLeakCheck)
        let recorded = try Self.recordAndReplay([Self.program], environment: Self.noLeakCheck)
        #expect(native.status == 0 && recorded.status == 0, "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stdout == native.stdout)
        #expect(!recorded.stderrText.contains("rr-supervisor"), "\(recorded.stderrText)")
    }

    @Test func heapOverflowReportIsRecordedAndReplayed() throws {
        let native = try Harness.run([Self.program, "overflow"], environment: Self.noLeakCheck)
        let recorded = try Self.recordAndReplay([Self.program, "overflow"], environment: Self.noLeakCheck)
        #expect(native.status == 1 && recorded.status == 1, "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stdout == native.stdout)
        #expect(recorded.stderrText.contains("ERROR: AddressSanitizer: heap-buffer-overflow"), "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stderrText.contains("asan_report.c:"), "the report's stack names the source line")
    }

    /// The leak report's lines that do not depend on addresses or the process id.
    static func leakSummary(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("Direct leak") || $0.hasPrefix("Indirect leak") || $0.hasPrefix("SUMMARY") }
    }

    /// LeakSanitizer stops the world with ptrace at exit (a helper process attaches to each
    /// thread, waits for it, reads its registers, detaches): the recorder emulates those calls,
    /// so the report is the one the program prints natively. It used to end with "LeakSanitizer
    /// does not work under ptrace" (the calls got ENOSYS), and before that to hang.
    @Test func leakReportIsRecordedAndReplayed() throws {
        let native = try Harness.run([Self.program, "leak"])
        #expect(native.status == 1 && native.stderrText.contains("detected memory leaks"))
        let recorded = try Self.recordAndReplay([Self.program, "leak"], environment: [:])
        #expect(recorded.status == native.status, "\(recorded.stderrText.suffix(400))")
        #expect(Self.leakSummary(recorded.stderrText) == Self.leakSummary(native.stderrText), "\(recorded.stderrText.suffix(400))")
        #expect(!recorded.stderrText.contains("rr-supervisor"), "\(recorded.stderrText)")
        #expect(recorded.stdout == native.stdout)
    }

    /// The same with two more threads alive at exit: one waiting in the kernel (its registers are
    /// the ones it entered the syscall with), one stopped between syscalls. What only their
    /// stacks and registers point to is reachable; the one leak is reported alone.
    @Test func leakCheckStopsThreadsInTheKernelAndOutside() throws {
        let program = "\(Harness.programs)/lsan_threads"
        let native = try Harness.run([program])
        #expect(Self.leakSummary(native.stderrText) == ["Direct leak of 4321 byte(s) in 1 object(s) allocated from:",
                                                         "SUMMARY: AddressSanitizer: 4321 byte(s) leaked in 1 allocation(s)."])
        let recorded = try Self.recordAndReplay([program], environment: [:])
        #expect(recorded.status == native.status && recorded.stdout == native.stdout, "\(recorded.stderrText.suffix(400))")
        #expect(Self.leakSummary(recorded.stderrText) == Self.leakSummary(native.stderrText), "\(recorded.stderrText.suffix(600))")
    }

    /// UndefinedBehaviorSanitizer reports each error and goes on; the reports are the native ones.
    @Test func undefinedBehaviourReportsAreRecordedAndReplayed() throws {
        let program = "\(Harness.programs)/ubsan_report"
        let native = try Harness.run([program])
        #expect(native.status == 0 && native.stderrText.components(separatedBy: "runtime error").count == 3, "\(native.stderrText)")
        let recorded = try Self.recordAndReplay([program], environment: [:])
        #expect(recorded.status == 0 && recorded.stdout == native.stdout)
        #expect(recorded.stderr == native.stderr, "\(recorded.stderrText)")
    }

    /// ThreadSanitizer finds the race with the threads run one at a time; its report (thread
    /// ids, stacks) and exit status 66 are replayed exactly.
    @Test func dataRaceReportIsRecordedAndReplayed() throws {
        let program = "\(Harness.programs)/tsan_race"
        let recorded = try Self.recordAndReplay([program], environment: [:])
        #expect(recorded.status == 66, "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stdoutText == "counted something\n")
        #expect(recorded.stderrText.contains("WARNING: ThreadSanitizer: data race"), "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stderrText.contains("tsan_race.c:"), "the report's stacks name the source line")
    }
}
