import Foundation
import Testing

/// Stopping a recording from outside (issue 8, point 2): SIGINT, SIGTERM and SIGHUP reach the
/// program as they would without the recorder, the trace is complete and replays to the same
/// end, rr-launch exits with the program's status, and no process is left behind.
@Suite(.serialized) struct StopRecordingTests {
    @Test func timeoutTermEndsRecordingWithCompleteTrace() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("sleep.rrt")
        let recorded = try Harness.run(["/usr/bin/timeout", "-s", "TERM", "1", Harness.launcher, "record", "-o", trace.path, "--", "sleep", "5"],
                                       timeout: 60)
        #expect(recorded.status == 124, "timeout(1) reports the time-out: \(recorded.stderrText)")
        try StoppedRecording.expectNoCrash(recorded.stderrText)
        try StoppedRecording.expectComplete(trace, exitStatus: 143)
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 143, "sleep died of SIGTERM: \(replayed.stderrText)")
    }

    @Test func sigintToLauncherEndsShellPipeline() throws {
        let recording = try StoppedRecording(["sh", "-c", "echo $$ > pid; yes > /dev/null"])
        let shell = try recording.waitForPidFile()
        try recording.waitForChildren(of: shell)
        let started = recording.descendants()
        recording.signalLauncher(SIGINT)
        let status = try recording.waitForEnd()
        #expect(status == 130, "sh died of SIGINT: \(recording.stderrText)")
        try recording.expectCompleteAndReplayed(exitStatus: 130)
        try StoppedRecording.expectNoneRunning(started)
    }

    @Test func httpServerAnswersThenStopsOnSigint() throws {
        let port = try StoppedRecording.freeLoopbackPort()
        let recording = try StoppedRecording(["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", String(port)])
        var answered = false
        for _ in 0..<120 where !answered {
            let curl = try Harness.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"], timeout: 20)
            answered = curl.stdoutText == "200"
            if !answered { usleep(250_000) }
        }
        #expect(answered, "the recorded server never answered: \(recording.stderrText)")
        let started = recording.descendants()
        recording.signalLauncher(SIGINT)
        let status = try recording.waitForEnd()
        #expect(status == 0, "http.server exits 0 on KeyboardInterrupt: \(recording.stderrText)")
        #expect(recording.stdoutText.contains("Keyboard interrupt received"), "\(recording.stdoutText)")
        #expect(recording.stderrText.contains("\"GET / HTTP/1.1\" 200"), "\(recording.stderrText)")
        try recording.expectCompleteAndReplayed(exitStatus: 0)
        try StoppedRecording.expectNoneRunning(started)
    }

    @Test func sighupReachesProgramHandler() throws {
        let recording = try StoppedRecording([Harness.programs + "/hup_handler", "wait"])
        _ = try recording.waitForPidFile()
        let started = recording.descendants()
        recording.signalLauncher(SIGHUP)
        let status = try recording.waitForEnd()
        #expect(status == 3, "the program's HUP trap exits 3: \(recording.stderrText)")
        #expect(recording.stdoutText.contains("got hup"))
        try recording.expectCompleteAndReplayed(exitStatus: 3)
        try StoppedRecording.expectNoneRunning(started)
    }

    /// sh in its wait builtin (every signal blocked but in rt_sigsuspend) gets SIGHUP, and, when
    /// its child dies first, SIGCHLD right after a buffered sigprocmask: replay's breakpoints
    /// once unblocked SIGTRAP in sh's mask, which sh's next sigprocmask reported (every second
    /// run on a loaded machine; sigtrapStaysBlockedInReplay makes it happen every time).
    @Test func sighupToShellWaitingForChild() throws {
        for _ in 0..<3 {
            let recording = try StoppedRecording(["sh", "-c", "trap 'echo got hup; exit 3' HUP; echo $$ > pid; sleep 100 & wait"])
            let shell = try recording.waitForPidFile()
            try recording.waitForChildren(of: shell)
            let started = recording.descendants()
            recording.signalLauncher(SIGHUP)
            let status = try recording.waitForEnd()
            #expect(status == 3, "\(recording.stderrText)")
            try recording.expectCompleteAndReplayed(exitStatus: 3)
            try StoppedRecording.expectNoneRunning(started)
        }
    }

    @Test func sigtrapStaysBlockedInReplay() throws {
        let (recorded, _) = try Harness.recordAndReplay([Harness.programs + "/sigtrap_blocked"])
        #expect(recorded.stdoutText.contains("SIGTRAP blocked before: yes"), "\(recorded.stdoutText)")
    }

    @Test func secondSigintKillsProgramThatIgnoresTheFirst() throws {
        let recording = try StoppedRecording(["sh", "-c", "trap '' INT; echo $$ > pid; yes > /dev/null"])
        let shell = try recording.waitForPidFile()
        try recording.waitForChildren(of: shell)
        let started = recording.descendants()
        recording.signalLauncher(SIGINT)
        usleep(1_500_000)
        #expect(recording.isRunning, "the program ignores SIGINT: the first one must not end the recording")
        recording.signalLauncher(SIGINT)
        let status = try recording.waitForEnd()
        #expect(status == 137, "the second SIGINT kills the program: \(recording.stderrText)")
        try recording.expectCompleteAndReplayed(exitStatus: 137)
        try StoppedRecording.expectNoneRunning(started)
    }

    @Test func groupWideSigintAsFromTerminalOrTimeout() throws {
        // What Ctrl-C does when the program's group is not the terminal's foreground, and what
        // timeout(1) does: the signal goes to rr-launch, the supervisor and the writer at once.
        let recording = try StoppedRecording(["sh", "-c", "echo $$ > pid; yes > /dev/null"])
        let shell = try recording.waitForPidFile()
        try recording.waitForChildren(of: shell)
        let started = recording.descendants()
        recording.signalLauncherGroup(SIGINT)
        let status = try recording.waitForEnd()
        #expect(status == 130, "\(recording.stderrText)")
        try recording.expectCompleteAndReplayed(exitStatus: 130)
        try StoppedRecording.expectNoneRunning(started)
    }

    /// Ctrl-C at a terminal (script(1) gives the recording one): the program's group is the
    /// terminal's foreground group, the terminal's SIGINT reaches it directly, and the terminal
    /// is given back afterwards (`stty sane` from a background group would stop on SIGTTOU).
    /// The Ctrl-C comes a second after the trace has bytes, not at a fixed time: CI once saw a
    /// loaded machine take over 3 s to start the recording, and the Ctrl-C end rr-launch first.
    @Test func ctrlCAtTerminal() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("terminal.rrt")
        let driver = scratch.url.appendingPathComponent("terminal.sh")
        try #"""
            (for i in $(seq 300); do [ -s "$2" ] && break; sleep 0.1; done; sleep 1; printf '\003'; sleep 3) | script -qfec "$1 record -o $2 -- sh -c 'yes > /dev/null'; echo launcher-status=\$?; stty sane && echo terminal-back" /dev/null
            """#.write(to: driver, atomically: true, encoding: .utf8)
        let session = try Harness.run(["/bin/bash", driver.path, Harness.launcher, trace.path], timeout: 60)
        let output = session.stdoutText.replacingOccurrences(of: "\r", with: "")
        #expect(output.contains("launcher-status=130"), "\(output) \(session.stderrText)")
        #expect(output.contains("terminal-back"), "\(output)")
        try StoppedRecording.expectComplete(trace, exitStatus: 130)
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 130, "\(replayed.stderrText)")
    }

    @Test func programSignallingItsOwnGroup() throws {
        let (recorded, _) = try Harness.recordAndReplay([Harness.programs + "/kill_own_group"])
        #expect(recorded.status == 134, "the program dies of its own SIGABRT: \(recorded.stderrText)")
        try StoppedRecording.expectNoCrash(recorded.stderrText)
        #expect(!recorded.stderrText.contains("rr-trace-writer:"), "\(recorded.stderrText)")
        // The child got the signal too, as natively: both processes end with 134.
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("kill.rrt")
        _ = try Harness.record([Harness.programs + "/kill_own_group"], trace: trace)
        try StoppedRecording.expectComplete(trace, exitStatus: 134)
        let processes = try Harness.run([Harness.launcher, "ps", trace.path]).stdoutText
        let statuses = processes.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[2] }
        #expect(statuses == ["134", "134"], "\(processes)")
    }

    /// Arguments asking for far more memory than the kernel writes (a read of 2^40 bytes, a poll
    /// of 2^32 + 1 descriptors) once made the supervisor allocate that much, and crash.
    @Test func hugeArgumentsRecordAndReplay() throws {
        let (recorded, _) = try Harness.recordAndReplay([Harness.programs + "/huge_arguments"])
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        #expect(recorded.stdoutText.contains("poll of 2^32 + 1 descriptors: 1, revents 0x1"), "\(recorded.stdoutText)")
        try StoppedRecording.expectNoCrash(recorded.stderrText)
    }

    @Test func supervisorKilledLeavesNoProcess() throws {
        let recording = try StoppedRecording(["sh", "-c", "echo $$ > pid; yes > /dev/null"])
        let shell = try recording.waitForPidFile()
        try recording.waitForChildren(of: shell)
        let started = recording.descendants()
        let supervisor = try #require(StoppedRecording.parent(of: shell))
        kill(supervisor, SIGKILL)
        _ = try recording.waitForEnd()
        try StoppedRecording.expectNoCrash(recording.stderrText)
        #expect(recording.stderrText.contains("ended without finishing the trace"), "\(recording.stderrText)")
        try StoppedRecording.expectNoneRunning(started)
    }

    @Test func writerKilledLeavesNoProcess() throws {
        let recording = try StoppedRecording(["sh", "-c", "echo $$ > pid; yes > /dev/null"])
        let shell = try recording.waitForPidFile()
        try recording.waitForChildren(of: shell)
        let started = recording.descendants()
        let supervisor = try #require(StoppedRecording.parent(of: shell))
        let writer = try #require(StoppedRecording.children(of: recording.pid).first { $0 != supervisor })
        kill(writer, SIGKILL)
        let status = try recording.waitForEnd()
        #expect(status == 1, "\(recording.stderrText)")
        try StoppedRecording.expectNoCrash(recording.stderrText)
        #expect(recording.stderrText.contains("trace-writer is gone"), "\(recording.stderrText)")
        try StoppedRecording.expectNoneRunning(started)
    }
}

/// `rr-launch record` started in the background, in a process group of its own (so that a test
/// can signal the group as a terminal or timeout(1) would, and clean up only what it started).
final class StoppedRecording {
    let scratch: TemporaryDirectory
    let trace: URL
    let pid: pid_t
    private var status: Int32?
    private let stdoutURL: URL
    private let stderrURL: URL

    init(_ command: [String]) throws {
        scratch = try TemporaryDirectory()
        trace = scratch.url.appendingPathComponent("trace.rrt")
        stdoutURL = scratch.url.appendingPathComponent("stdout")
        stderrURL = scratch.url.appendingPathComponent("stderr")
        var environment = ProcessInfo.processInfo.environment
        environment["RR_SWIFT_CONFIGURATION"] = "release"
        environment["RR_SWIFT_NO_BUILD"] = "1"
        pid = try Harness.spawn([Harness.launcher, "record", "-o", trace.path, "--"] + command,
                                environment: environment.map { "\($0.key)=\($0.value)" }, directory: scratch.url.path,
                                stdout: stdoutURL.path, stderr: stderrURL.path, ownProcessGroup: true)
    }

    deinit {
        if status == nil {  // a failed test: end what it started (its group; the supervisor's death ends the program)
            kill(-pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        }
    }

    var stdoutText: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderrText: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        let reaped = waitpid(pid, &raw, WNOHANG)
        if reaped == pid { status = Self.shellStatus(raw) }
        return status == nil
    }

    func signalLauncher(_ signal: Int32) { kill(pid, signal) }
    func signalLauncherGroup(_ signal: Int32) { kill(-pid, signal) }

    /// The pid the program wrote to `pid` in its working directory.
    func waitForPidFile(seconds: Double = 60) throws -> pid_t {
        let file = scratch.url.appendingPathComponent("pid")
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOf: file, encoding: .utf8), let value = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return value
            }
            guard isRunning else { break }
            usleep(50_000)
        }
        throw StopTestError("the program never wrote its pid: \(stderrText)")
    }

    func waitForChildren(of process: pid_t, seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !Self.children(of: process).isEmpty { usleep(300_000); return }
            usleep(50_000)
        }
        throw StopTestError("process \(process) started no child")
    }

    /// rr-launch's exit status, as a shell reports it; fails after `seconds`.
    func waitForEnd(seconds: Double = 90) throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            guard Date() < deadline else { throw StopTestError("rr-launch did not end within \(Int(seconds)) s: \(stderrText)") }
            usleep(50_000)
        }
        return status!
    }

    func expectCompleteAndReplayed(exitStatus: Int32, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try Self.expectComplete(trace, exitStatus: exitStatus, sourceLocation: sourceLocation)
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == exitStatus, "replay: \(replayed.stderrText)", sourceLocation: sourceLocation)
        #expect(replayed.stdoutText == stdoutText, "stdout differs", sourceLocation: sourceLocation)
        #expect(replayed.stderrText == stderrText, "stderr differs: \(replayed.stderrText.suffix(300))", sourceLocation: sourceLocation)
    }

    static func expectComplete(_ trace: URL, exitStatus: Int32, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let info = try Harness.run([Harness.launcher, "traceinfo", trace.path])
        #expect(info.status == 0 && info.stdoutText.contains("\"complete\":true"), "trace incomplete: \(info.stdoutText) \(info.stderrText)",
                sourceLocation: sourceLocation)
        #expect(info.stdoutText.contains("\"exit_status\":\(exitStatus),"), "\(info.stdoutText)", sourceLocation: sourceLocation)
    }

    static func expectNoCrash(_ stderr: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for sign in ["Crash", "Backtrace", "Fatal error", "💣"] {
            #expect(!stderr.contains(sign), "a tool crashed: \(stderr.prefix(600))", sourceLocation: sourceLocation)
        }
    }

    // MARK: processes, found from the pid the test started (never by name)

    struct ProcessIdentity: Hashable, CustomStringConvertible {
        var pid: pid_t
        var startTime: String
        var description: String { "\(pid)" }
    }

    /// Fields of /proc/<pid>/stat after the command name: state, ppid, ..., starttime at 19.
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func parent(of pid: pid_t) -> pid_t? { statFields(pid).flatMap { pid_t($0[1]) } }

    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// Every process below rr-launch now: the supervisor, the writer, the program and its children.
    func descendants() -> [ProcessIdentity] {
        var found: [ProcessIdentity] = []
        var pending = Self.children(of: pid)
        while let next = pending.popLast() {
            if let fields = Self.statFields(next), fields.count > 19 { found.append(ProcessIdentity(pid: next, startTime: String(fields[19]))) }
            pending += Self.children(of: next)
        }
        return found
    }

    /// None of `processes` runs any more (gone, or a zombie waiting for init); allows 5 s.
    static func expectNoneRunning(_ processes: [ProcessIdentity], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(processes.count >= 3, "expected the supervisor, the writer and the program: \(processes)", sourceLocation: sourceLocation)
        func running() -> [ProcessIdentity] {
            processes.filter { process in
                guard let fields = statFields(process.pid), fields.count > 19, String(fields[19]) == process.startTime else { return false }
                return fields[0] != "Z" && fields[0] != "X"
            }
        }
        let deadline = Date().addingTimeInterval(5)
        while !running().isEmpty && Date() < deadline { usleep(100_000) }
        #expect(running().isEmpty, "left running: \(running())", sourceLocation: sourceLocation)
    }

    static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StopTestError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw StopTestError("bind failed") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func shellStatus(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}

struct StopTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
