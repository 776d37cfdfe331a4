import Foundation
import Testing

/// A system that forbids what recording needs gets one line naming the setting and what
/// changes it; one that only slows it down gets a warning and a recording that replays. Each
/// restriction is simulated for this test alone (Tests/Programs/forbid.c installs a seccomp
/// filter, as a container's profile does), never by changing the machine's settings.
@Suite struct SystemPolicyTests {
    static let forbid = "\(Harness.programs)/forbid"

    @Test func ptraceDeniedByAContainerPolicy() throws {
        let directory = try TemporaryDirectory()
        let result = try Harness.run([Self.forbid, "ptrace", Harness.launcher, "record", "-o", directory.url.appendingPathComponent("t.rrt").path, "--", "true"])
        BadInputTests.expectOneLineError(result, containing: "ptrace is not permitted here")
        #expect(result.stderrText.contains("--cap-add=SYS_PTRACE"))
    }

    /// Without seccomp (a kernel without CONFIG_SECCOMP_FILTER), or under a filter of someone
    /// else's whose refusals buffering would not see, every syscall is traced.
    @Test(arguments: [("seccomp", "seccomp filters are not available"), ("perf", "runs under a seccomp filter")])
    func recordingGoesOnTracedWhereSyscallBufferingCannot(facility: String, warning: String) throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("t.rrt")
        let program = ["/bin/sh", "-c", "ls -l /usr/bin > /dev/null; echo done"]
        let recorded = try Harness.run([Self.forbid, facility, Harness.launcher, "record", "-o", trace.path, "--"] + program,
                                       environment: ["RR_SWIFT_NO_SYSCALL_BUFFER": ""])  // buffering asked for, in both test modes
        #expect(recorded.status == 0 && recorded.stdoutText == "done\n", "\(recorded.stderrText)")
        let lines = recorded.stderrText.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(warning), "\(recorded.stderrText)")
        let info = try Harness.run([Harness.launcher, "traceinfo", trace.path]).stdoutText
        #expect(!info.contains("bufferFlush"), "syscalls were buffered: \(info)")
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 0 && replayed.stdout == recorded.stdout, "\(replayed.stderrText)")
    }
}
