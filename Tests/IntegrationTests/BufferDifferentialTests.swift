import Foundation
import Testing

/// Issue 8, point 1: buffering never changes behaviour. `buffered_differential` makes every
/// syscall the preload library buffers, with the flags and edge cases where a buffered copy can
/// differ from the kernel's (MSG_TRUNC, MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, SCM_RIGHTS and short
/// control buffers, partial reads and writes, errors), and prints what it saw: results, errno,
/// the bytes of every out buffer and whether the guard after it is intact. Its transcript must be
/// byte for byte the same natively, recorded with `-n` (every syscall traced) and recorded with
/// buffering, and each replay must reproduce its recording.
@Suite struct BufferDifferentialTests {
    static let program = "\(Harness.programs)/buffered_differential"
    /// Buffering on for the buffered run even in `make test`'s second pass, which turns it off;
    /// no progress lines, which would land in the terminal's transcript when recording is slow.
    static let buffering = ["RR_SWIFT_NO_SYSCALL_BUFFER": "", "RR_SWIFT_NO_PROGRESS": "1"]

    /// Every syscall in the preload library's switch (Sources/Preload/preload.c), as `dump` names
    /// them: the buffered recording must have a buffered record of each, or the test exercised the
    /// traced path only.
    static let bufferedSyscalls: Set<String> = [
        "read", "pread64", "readv", "write", "pwrite64", "writev", "sendto", "sendmsg", "open", "openat",
        "access", "faccessat", "faccessat2", "lseek", "getpid", "gettid", "getppid", "getuid", "geteuid",
        "getgid", "getegid", "close", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
        "fremovexattr", "utimensat", "fadvise64", "fchmod", "fchown", "fchmodat", "fchownat", "mkdir",
        "mkdirat", "unlink", "unlinkat", "ftruncate", "fsync", "fdatasync", "rename", "renameat", "chmod",
        "copy_file_range", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
        "fstat", "stat", "lstat", "newfstatat", "statx", "getdents64", "readlink", "readlinkat",
        "getrandom", "clock_gettime", "gettimeofday", "time", "futex", "poll", "ppoll", "epoll_wait",
        "epoll_pwait", "recvfrom", "recvmsg", "fcntl", "ioctl", "rt_sigprocmask", "mprotect", "madvise",
    ]

    /// The calls that may block indefinitely: buffered only with the desched event, which an
    /// ordinary user lacks where perf_event_paranoid is 2 (then only their traced path runs).
    static let bufferedOnlyWithDeschedEvent: Set<String> = [
        "sendto", "sendmsg", "recvfrom", "recvmsg", "poll", "ppoll", "epoll_wait", "epoll_pwait",
    ]

    /// The ways the program runs: the transcripts of all must be identical.
    enum Mode: String, CaseIterable {
        case native, unbuffered = "record -n", buffered = "record"
        var recordOptions: [String] { self == .unbuffered ? ["-n"] : [] }
    }

    /// How the program's standard descriptors are connected.
    enum Connection {
        /// stdin /dev/null, stdout and stderr files (the harness's default).
        case files
        /// A terminal on 0, 1 and 2, from `script -qec COMMAND /dev/null`, so that TCGETS and
        /// FIONREAD on fd 0 reach a real tty.
        case terminal
    }

    static func run(_ command: [String], on connection: Connection, environment: [String: String] = [:]) throws -> Harness.Result {
        switch connection {
        case .files:
            return try Harness.run(command, environment: environment)
        case .terminal:
            let line = command.map { "'\($0)'" }.joined(separator: " ")
            return try Harness.run(["script", "-qec", line, "/dev/null"], environment: environment)
        }
    }

    /// Runs the program in `mode` (recording into `trace` unless native), then replays the
    /// recording and checks that the replay reproduces its output and status.
    static func transcript(_ mode: Mode, on connection: Connection, trace: URL, arguments: [String] = [],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> Harness.Result {
        guard mode != .native else { return try run([program] + arguments, on: connection) }
        let recorded = try run([Harness.launcher, "record"] + mode.recordOptions + ["-o", trace.path, "--", program] + arguments,
                               on: connection, environment: buffering)
        let replayed = try run([Harness.launcher, "replay", "-a", trace.path], on: connection)
        #expect(replayed.status == recorded.status, "\(mode.rawValue): replay status \(replayed.status) vs recorded \(recorded.status): \(replayed.stderrText.suffix(300))",
                sourceLocation: sourceLocation)
        #expect(replayed.stdout == recorded.stdout,
                "\(mode.rawValue): replay differs from the recording: \(firstDifference(recorded.stdoutText, replayed.stdoutText))",
                sourceLocation: sourceLocation)
        return recorded
    }

    /// The first line where two transcripts differ, with both versions, for the failure message.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        // Split on the scalar: a terminal's "\r\n" is one Character, which "\n" does not match.
        func lines(_ text: String) -> [String] {
            text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        }
        let want = lines(expected), got = lines(actual)
        for index in 0..<max(want.count, got.count) {
            let a = index < want.count ? want[index] : "<end>"
            let b = index < got.count ? got[index] : "<end>"
            func shown(_ line: String) -> String { line.replacingOccurrences(of: "\r", with: "\\r") }
            if a != b { return "line \(index + 1): expected \"\(shown(a))\", got \"\(shown(b))\"" }
        }
        return "no difference"
    }

    /// Runs the program natively, recorded with `-n` and recorded with buffering (each recording
    /// replayed), and checks that all transcripts and statuses match the native run's. Returns the
    /// native run and the buffered recording's trace (in `directory`).
    static func compareModes(on connection: Connection, in directory: TemporaryDirectory, lineEnd: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws -> (native: Harness.Result, bufferedTrace: URL) {
        let native = try transcript(.native, on: connection, trace: directory.url, sourceLocation: sourceLocation)
        #expect(native.status == 0 && native.stdoutText.hasSuffix("done" + lineEnd),
                "native run failed (\(native.status)): \(native.stdoutText.suffix(300))", sourceLocation: sourceLocation)
        #expect(!native.stdoutText.contains("FAIL"), "\(native.stdoutText)", sourceLocation: sourceLocation)
        let bufferedTrace = directory.url.appendingPathComponent("buffered.rrt")
        for mode in [Mode.unbuffered, .buffered] {
            let trace = mode == .buffered ? bufferedTrace : directory.url.appendingPathComponent("unbuffered.rrt")
            let recorded = try transcript(mode, on: connection, trace: trace, sourceLocation: sourceLocation)
            #expect(!recorded.stderrText.contains("rr-supervisor:") && !recorded.stdoutText.contains("rr-supervisor:"),
                    "\(mode.rawValue): \(recorded.stderrText)\(recorded.stdoutText.suffix(300))", sourceLocation: sourceLocation)
            #expect(recorded.status == native.status, "\(mode.rawValue): status \(recorded.status) vs native \(native.status)",
                    sourceLocation: sourceLocation)
            #expect(recorded.stdout == native.stdout,
                    "\(mode.rawValue) differs from native: \(firstDifference(native.stdoutText, recorded.stdoutText))",
                    sourceLocation: sourceLocation)
        }
        return (native, bufferedTrace)
    }

    /// The syscalls with at least one buffered record in `trace`.
    static func bufferedSyscalls(in trace: URL) throws -> Set<String> {
        let dump = try Harness.run([Harness.launcher, "dump", trace.path]).stdoutText
        var names = Set<String>()
        for line in dump.split(separator: "\n") {
            guard let range = line.range(of: "buffered syscalls: ") else { continue }
            for call in line[range.upperBound...].split(separator: " ") {
                names.insert(String(call.split(separator: "=").first ?? call))
            }
        }
        return names
    }

    @Test func bufferingChangesNothingOnFilesPipesAndSockets() throws {
        let directory = try TemporaryDirectory()
        let (_, bufferedTrace) = try Self.compareModes(on: .files, in: directory, lineEnd: "\n")
        let expected = Harness.contextSwitchEventsAvailable ? Self.bufferedSyscalls : Self.bufferedSyscalls.subtracting(Self.bufferedOnlyWithDeschedEvent)
        let missing = expected.subtracting(try Self.bufferedSyscalls(in: bufferedTrace))
        #expect(missing.isEmpty, "never buffered, so only their traced path was compared: \(missing.sorted())")
    }

    @Test func bufferingChangesNothingOnATerminal() throws {
        // Everything again with a terminal on 0, 1 and 2 (stdout too, so the transcripts end their
        // lines with \r\n, the same in every mode).
        let directory = try TemporaryDirectory()
        let (native, _) = try Self.compareModes(on: .terminal, in: directory, lineEnd: "\r\n")
        #expect(native.stdoutText.contains("ioctl TCGETS fd 0: 0\r\n"), "fd 0 is not a terminal under script: \(native.stdoutText.prefix(300))")
    }
}
