import Foundation
import Testing

/// Unknown syscalls never stop a recording. A number the kernel does not know gets ENOSYS, as the
/// kernel gives; a known syscall outside the model, an unknown ioctl request, fcntl command,
/// prctl option or futex operation is not run: the program gets the kernel's error for a missing
/// call or operation, stderr one warning line for each (the first time), and replay gives the
/// same results without running them either.
@Suite struct RefusedSyscallTests {
    /// The warnings unknown_syscalls gets, once each, whatever the number of calls.
    static let expectedWarnings = [
        "ioctl request 0x787f is not supported by the recorder; the program got ENOTTY instead",
        "fcntl command 32767 is not supported by the recorder; the program got EINVAL instead",
        "prctl option 2147422772 is not supported by the recorder; the program got EINVAL instead",
        "futex operation 15 is not supported by the recorder; the program got ENOSYS instead",
        "unshare is not supported by the recorder; the program got ENOSYS instead",
        "clock_adjtime is not supported by the recorder; the program got ENOSYS instead",
        "bpf is not supported by the recorder; the program got ENOSYS instead",
        "syslog is not supported by the recorder; the program got ENOSYS instead",
    ]

    @Test func unknownAndUnmodelledSyscallsAreRefusedAndTheRecordingGoesOn() throws {
        let program = "\(Harness.programs)/unknown_syscalls"
        let native = try Harness.run([program])
        #expect(native.status == 0)
        let (recorded, replayed) = try Harness.recordAndReplay([program], allowingRefusalWarnings: true)
        #expect(recorded.status == 0 && replayed.status == 0, "\(recorded.stderrText)\(replayed.stderrText)")

        // What the kernel answers itself is the same natively and recorded.
        func lines(_ result: Harness.Result, _ prefix: String) -> [Substring] {
            result.stdoutText.split(separator: "\n").filter { $0.hasPrefix(prefix) }
        }
        #expect(lines(recorded, "native:").count == 22)
        #expect(lines(recorded, "native:") == lines(native, "native:"))
        // The refused calls did not run: each got ENOSYS, where natively some succeed.
        let refused = lines(recorded, "refused:")
        #expect(refused.count == 8)
        #expect(refused.allSatisfy { $0.hasSuffix("= -1 (ENOSYS)") }, "\(refused)")
        #expect(recorded.stdoutText.hasSuffix("done\n"))

        // One warning line per refused syscall or operation, none for the numbers the kernel
        // does not know (-1, 400, 100000, and 1000/1001 when the program makes them), nothing else.
        let warnings = Harness.refusalWarnings(in: recorded.stderrText)
        #expect(warnings.count == Self.expectedWarnings.count, "\(recorded.stderrText)")
        for expected in Self.expectedWarnings {
            #expect(warnings.filter { $0.contains(": warning: " + expected) }.count == 1, "\(expected): \(recorded.stderrText)")
        }
        #expect(recorded.stderrText.split(separator: "\n").count == warnings.count, "\(recorded.stderrText)")
        #expect(replayed.stderr.isEmpty, "\(replayed.stderrText)")
    }
}
