import Foundation
import Testing

/// Programs built with AddressSanitizer, as people chasing memory errors record them. Its runtime
/// must come first in the initial library list (the recorder puts it before the preload library),
/// and LeakSanitizer's stop-the-world thread is made with CLONE_UNTRACED (the recorder traces it
/// anyway, or its syscalls would all fail under the seccomp filter and the recording hang).
@Suite struct SanitizerTests {
    static let program = "\(Harness.programs)/asan_report"
    /// LeakSanitizer refuses to run under any ptrace tool (gdb, strace): switched off here.
    static let noLeakCheck = ["ASAN_OPTIONS": "detect_leaks=0"]

    /// Records and replays with `environment`; the replay must reproduce the recording's output,
    /// stderr and status.
    static func recordAndReplay(_ arguments: [String], environment: [String: String]) throws -> Harness.Result {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("asan.rrt")
        let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--"] + arguments, timeout: 60,
                                       environment: environment)
        let replayed = try Harness.run([Harness.launcher, "replay", trace.path], timeout: 60)
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

    @Test func leakCheckUnderTheRecorderEndsAsUnderAnyTracer() throws {
        // Natively LeakSanitizer reports the leak; under ptrace it cannot attach to the threads
        // and says so. The recording used to spin forever in its untraced thread.
        let native = try Harness.run([Self.program, "leak"])
        #expect(native.status != 0 && native.stderrText.contains("detected memory leaks"))
        let recorded = try Self.recordAndReplay([Self.program, "leak"], environment: [:])
        #expect(recorded.status != 124 && recorded.status != 0, "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stderrText.contains("LeakSanitizer does not work under ptrace"), "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stdout == native.stdout)
    }
}
