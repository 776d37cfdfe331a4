import Foundation
import Testing

/// Runs the real tools (bin/rr-launch over the release build) on real programs. Every command
/// runs under timeout(1), which puts it in its own process group and kills only that group.
enum Harness {
    /// The checkout, or the copy of its tools and tests that Tests/Scripts/as-unprivileged-user.sh
    /// stages for an ordinary user (RR_SWIFT_TEST_ROOT).
    static let root: URL = ProcessInfo.processInfo.environment["RR_SWIFT_TEST_ROOT"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let launcher = root.appendingPathComponent("bin/rr-launch").path
    static let programs = root.appendingPathComponent(".build/programs").path

    static let isRoot = geteuid() == 0

    /// Whether the preload library gets its desched event, a count of the thread's context
    /// switches that includes the kernel's side: for root, or where perf_event_paranoid is at
    /// most 1. Without it, calls that may block stay traced.
    static let contextSwitchEventsAvailable: Bool = {
        let paranoid = (try? String(contentsOfFile: "/proc/sys/kernel/perf_event_paranoid", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 2
        return isRoot || paranoid <= 1
    }()

    /// Whether `name` is on PATH (tools that only root's environment may have, like the AWS CLI).
    static func commandExists(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `arguments` with a time limit; stdout and stderr go through files, never a full pipe.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil, timeout seconds: Int = 120,
                    environment extra: [String: String] = [:], stdoutFile: URL? = nil) throws -> Result {
        let scratch = try TemporaryDirectory()
        let outURL = stdoutFile ?? scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["RR_SWIFT_CONFIGURATION"] = "release"
        environment["RR_SWIFT_NO_BUILD"] = "1"  // `make test` builds first; never rebuild under running tests
        environment["RR_SWIFT_TRACE_DIR"] = scratch.url.appendingPathComponent("traces").path
        for (key, value) in extra { environment[key] = value }
        let status = try spawnAndWait(["/usr/bin/timeout", "-k", "5", String(seconds)] + arguments,
                                      environment: environment.map { "\($0.key)=\($0.value)" },
                                      directory: (directory ?? scratch.url).path, stdout: outURL.path, stderr: errURL.path)
        return Result(status: status, stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL))
    }

    /// Copies a program with cp, in a process of its own: a copy written by this process holds a
    /// descriptor open for writing while other tests' threads fork, and a child that inherits it
    /// makes executing the copy fail with ETXTBSY until it execs.
    static func copyExecutable(from source: String, to destination: String) throws {
        let copied = try run(["cp", source, destination])
        guard copied.status == 0 else { throw StopTestError("cp \(source) \(destination): \(copied.stderrText)") }
    }

    /// posix_spawn with a clean signal mask and default dispositions: the test runner's threads
    /// block signals, and a recorded program must start as it would from a shell.
    static func spawnAndWait(_ arguments: [String], environment: [String], directory: String,
                             stdout: String, stderr: String) throws -> Int32 {
        let pid = try spawn(arguments, environment: environment, directory: directory, stdout: stdout, stderr: stderr)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Starts `arguments` in `directory` (stdin /dev/null, stdout and stderr to files), with a
    /// clean signal mask and default dispositions, in a process group of its own if asked.
    static func spawn(_ arguments: [String], environment: [String], directory: String,
                      stdout: String, stderr: String, ownProcessGroup: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let cArguments = (["/usr/bin/env", "-C", directory] + arguments).map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, cArguments, cEnvironment)
        guard error == 0 else { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EINVAL) }
        return pid
    }

    static func record(_ command: [String], trace: URL, in directory: URL? = nil, stdoutFile: URL? = nil, timeout: Int = 120) throws -> Result {
        try run([launcher, "record", "-o", trace.path, "--"] + command, in: directory, timeout: timeout, stdoutFile: stdoutFile)
    }

    static func replay(_ trace: URL, stdoutFile: URL? = nil, timeout: Int = 120) throws -> Result {
        try run([launcher, "replay", "-a", trace.path], timeout: timeout, stdoutFile: stdoutFile)
    }

    /// Records and replays `command` and checks that replay reproduces stdout, stderr and status.
    /// With `allowingRefusalWarnings`, the supervisor's warnings about refused syscalls are taken
    /// out of the recording's stderr first (replay does not repeat them); the returned record
    /// result keeps them, for the caller to check.
    @discardableResult
    static func recordAndReplay(_ command: [String], in directory: URL? = nil, allowingRefusalWarnings: Bool = false, timeout: Int = 120,
                                sourceLocation: SourceLocation = #_sourceLocation) throws -> (record: Result, replay: Result) {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let recorded = try record(command, trace: trace, in: directory, timeout: timeout)
        let replayed = try replay(trace, timeout: timeout)
        let recordedStderr = allowingRefusalWarnings ? withoutRefusalWarnings(recorded.stderr) : recorded.stderr
        let recordedStderrText = String(decoding: recordedStderr, as: UTF8.self)
        #expect(!recordedStderrText.contains("rr-supervisor:"), "recording failed: \(recordedStderrText)", sourceLocation: sourceLocation)
        #expect(replayed.status == recorded.status, "status: replay \(replayed.status) vs record \(recorded.status); \(replayed.stderrText)", sourceLocation: sourceLocation)
        #expect(replayed.stdout == recorded.stdout, "stdout differs", sourceLocation: sourceLocation)
        #expect(replayed.stderr == recordedStderr, "stderr differs: \(replayed.stderrText.suffix(300))", sourceLocation: sourceLocation)
        return (recorded, replayed)
    }

    /// Whether a line is one of the supervisor's warnings about a syscall it refused (RecordSyscalls.swift).
    static func isRefusalWarning(_ line: Substring) -> Bool {
        line.hasPrefix("rr-supervisor: warning: ") && line.contains(" is not supported by the recorder; ")
    }

    static func refusalWarnings(in stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter(isRefusalWarning)
    }

    static func withoutRefusalWarnings(_ stderr: Data) -> Data {
        let lines = String(decoding: stderr, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return Data(lines.filter { !isRefusalWarning($0) }.joined(separator: "\n").utf8)
    }
}

/// A directory under /tmp removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL
    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("rr-swift-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
