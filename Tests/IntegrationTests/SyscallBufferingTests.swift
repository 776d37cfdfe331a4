import Foundation
import Testing

/// Syscall buffering (issue 4): the preload library, fewer ptrace stops, blocking buffered calls.
/// These tests turn buffering on even in `make test`'s second pass, which turns it off.
@Suite struct SyscallBufferingTests {
    static let buffered = ["RR_SWIFT_NO_SYSCALL_BUFFER": "", "RR_SWIFT_STATS": "1"]

    /// Records with or without buffering; returns the result and the supervisor's stop count.
    static func record(_ command: [String], trace: URL, buffering: Bool) throws -> (Harness.Result, Int) {
        let options = buffering ? [] : ["-n"]
        let result = try Harness.run([Harness.launcher, "record"] + options + ["-o", trace.path, "--"] + command, environment: buffered)
        let line = result.stderrText.split(separator: "\n").first { $0.contains("statistics:") } ?? ""
        let stops = line.split(separator: " ").firstIndex(of: "ptrace").flatMap { Int(line.split(separator: " ")[$0 - 1]) }
        return (result, try #require(stops, "no statistics line in: \(result.stderrText)"))
    }

    static func kinds(of trace: URL) throws -> [String: Int] {
        let info = try Harness.run([Harness.launcher, "traceinfo", trace.path])
        let json = try JSONSerialization.jsonObject(with: info.stdout) as? [String: Any]
        return json?["events_by_kind"] as? [String: Int] ?? [:]
    }

    @Test func bufferedRecordingMakesFarFewerPtraceStops() throws {
        let directory = try TemporaryDirectory()
        let withBuffer = directory.url.appendingPathComponent("buffered.rrt")
        let withoutBuffer = directory.url.appendingPathComponent("unbuffered.rrt")
        let program = ["\(Harness.programs)/small_syscalls"]
        let (buffered, bufferedStops) = try Self.record(program, trace: withBuffer, buffering: true)
        let (unbuffered, unbufferedStops) = try Self.record(program, trace: withoutBuffer, buffering: false)
        #expect(buffered.status == 0 && unbuffered.status == 0)
        #expect(buffered.stdout == unbuffered.stdout)
        // 5000 syscalls in the loops: two stops each without buffering.
        #expect(unbufferedStops > 10_000, "\(unbufferedStops) stops without buffering")
        #expect(bufferedStops * 10 < unbufferedStops, "\(bufferedStops) stops buffered vs \(unbufferedStops) unbuffered")
        #expect(try Self.kinds(of: withBuffer)["bufferFlush", default: 0] > 0)
        #expect(try Self.kinds(of: withoutBuffer)["bufferFlush", default: 0] == 0)
        for trace in [withBuffer, withoutBuffer] {
            let replayed = try Harness.replay(trace)
            #expect(replayed.status == 0 && replayed.stdout == buffered.stdout, "\(replayed.stderrText)")
        }
    }

    /// Needs the desched event; without it the same program records with those calls traced
    /// (TestProgramTests runs it either way).
    @Test(.enabled(if: Harness.contextSwitchEventsAvailable, "needs context-switch events counting the kernel's side"))
    func aThreadBlockedInABufferedReadLetsTheWriterRun() throws {
        // The reader thread blocks in buffered read, poll and futex wait (and, with every signal
        // blocked, in a read that the desched signal cannot interrupt) until the main thread
        // writes or signals; recording must not deadlock and replay must match.
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("blocking.rrt")
        let (recorded, _) = try Self.record(["\(Harness.programs)/buffered_block_threads"], trace: trace, buffering: true)
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        #expect(recorded.stdoutText.contains("masked reader: got 6 bytes: masked"))
        let dump = try Harness.run([Harness.launcher, "dump", trace.path]).stdoutText
        #expect(dump.contains("then blocked in the next"), "no buffered syscall blocked")
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 0 && replayed.stdout == recorded.stdout, "\(replayed.stderrText)")
    }

    @Test func preloadLibraryNeedsOnlyLibc() throws {
        let library = Harness.root.appendingPathComponent(".build/preload/librrpreload.so").path
        let result = try Harness.run(["readelf", "-d", library])
        #expect(result.status == 0)
        let needed = result.stdoutText.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.count == 1 && needed[0].contains("[libc.so.6]"), "\(needed)")
    }

    @Test func theUsersPreloadIsKept() throws {
        // LD_PRELOAD set by the user still applies (here a library every process has anyway).
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("preload.rrt")
        var environment = Self.buffered
        environment["LD_PRELOAD"] = "libm.so.6"
        let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--", "sh", "-c", "echo \"$LD_PRELOAD\""],
                                       environment: environment)
        #expect(recorded.stdoutText.hasSuffix(":libm.so.6\n") && recorded.stdoutText.contains("librrpreload.so"), "\(recorded.stdoutText)")
        #expect(try Harness.replay(trace).stdout == recorded.stdout)
    }
}
