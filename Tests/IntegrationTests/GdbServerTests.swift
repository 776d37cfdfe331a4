import Foundation
import Testing

/// `replay --server`: gdb, scripted with `gdb -batch -x`, debugs a real recording of one of our
/// programs, and sees the values the program printed when it was recorded.
@Suite(.serialized) struct GdbServerTests {
    static let program = Harness.programs + "/gdb_target"
    static let gdbAvailable = Harness.commandExists("gdb")

    /// A replayer serving gdb, started in a process group of its own (under timeout(1)).
    final class Server {
        let scratch: TemporaryDirectory
        let pid: pid_t
        let port: Int
        var stdoutURL: URL { scratch.url.appendingPathComponent("replay.out") }
        var stderrURL: URL { scratch.url.appendingPathComponent("replay.err") }

        /// `options` go to `replay` before the trace (`-g N`, `-e`); `settings` join its environment.
        init(trace: URL, in scratch: TemporaryDirectory, options: [String] = [], settings: [String: String] = [:]) throws {
            self.scratch = scratch
            var environment = ProcessInfo.processInfo.environment.merging(settings) { $1 }
            environment["RR_SWIFT_CONFIGURATION"] = "release"
            environment["RR_SWIFT_NO_BUILD"] = "1"
            let stdoutPath = scratch.url.appendingPathComponent("replay.out").path
            let stderrPath = scratch.url.appendingPathComponent("replay.err").path
            pid = try Harness.spawn(["/usr/bin/timeout", "-k", "5", "120", Harness.launcher, "replay", "--server", "0"] + options + [trace.path],
                                    environment: environment.map { "\($0.key)=\($0.value)" }, directory: scratch.url.path,
                                    stdout: stdoutPath, stderr: stderrPath, ownProcessGroup: true)
            var found: Int?
            for _ in 0..<300 where found == nil {
                let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                if let range = text.range(of: "listening on 127.0.0.1:") {
                    found = Int(text[range.upperBound...].prefix { $0.isNumber })
                } else {
                    usleep(100_000)
                }
            }
            guard let found else {
                kill(-pid, SIGKILL)
                throw ServerError(text: "the replayer never said where it listens")
            }
            port = found
        }

        /// The replayer's exit status once it ends (killing its group after `seconds`, then nil).
        func wait(seconds: Int = 30) -> Int32? {
            var status: Int32 = 0
            for _ in 0..<(seconds * 10) {
                if waitpid(pid, &status, WNOHANG) == pid {
                    return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                }
                usleep(100_000)
            }
            kill(-pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return nil
        }

        /// Runs `gdb -batch` on `program`, connected to this server, with `commands` after the
        /// connection (the script is written next to the replay's output).
        func runGdb(debugging program: String, extended: Bool = false, _ commands: String) throws -> Harness.Result {
            let script = scratch.url.appendingPathComponent("session.gdb")
            let target = extended ? "extended-remote" : "remote"
            try ("set pagination off\nset confirm off\nfile \(program)\ntarget \(target) 127.0.0.1:\(port)\n" + commands)
                .write(to: script, atomically: true, encoding: .utf8)
            return try Harness.run(["gdb", "-nx", "-batch", "-x", script.path], timeout: 120)
        }

        var stderrLines: [Substring] {
            ((try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "").split(separator: "\n")
        }
    }

    struct ServerError: Error { let text: String }

    /// Expects each of `texts` (regular expressions with `regex`) in a gdb session's `output`,
    /// each after the one before; returns where the last found one ends.
    @discardableResult
    static func expectInOrder(_ texts: [String], in output: String, regex: Bool = false, context: String = "",
                              sourceLocation: SourceLocation = #_sourceLocation) -> String.Index {
        var searchFrom = output.startIndex
        for text in texts {
            let found = output.range(of: text, options: regex ? .regularExpression : [], range: searchFrom..<output.endIndex)
            #expect(found != nil, "no \"\(text)\" after the previous one:\n\(output)\n\(context)", sourceLocation: sourceLocation)
            if let found { searchFrom = found.upperBound }
        }
        return searchFrom
    }

    /// Processes whose command line holds `marker` (the replayed program's own argument).
    static func processes(marked marker: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(marker)
        }
    }

    @Test(.enabled(if: gdbAvailable)) func breakContinuePrintBacktraceFinishAndEnd() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        // The marker names the replayed process, to find it if it were left behind.
        let marker = "gdb-server-test-\(UUID().uuidString)"
        let recorded = try Harness.record([Self.program, marker], trace: trace)
        #expect(recorded.status == 5)
        let firstCall = try #require(recorded.stdoutText.split(separator: "\n").first { $0.hasPrefix("scale ") })
        let numbers = firstCall.split(separator: " ").compactMap { Int($0) }  // value, factor, product
        try #require(numbers.count == 3)

        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: Self.program, """
        break scale
        continue
        print value
        print factor
        bt
        finish
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.contains("Breakpoint 1, scale (value=value@entry=\(numbers[0]), factor=factor@entry=\(numbers[1]))"), "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("$1 = \(numbers[0])\n"))
        #expect(output.contains("$2 = \(numbers[1])\n"))
        #expect(output.range(of: #"#1  0x[0-9a-f]+ in accumulate \(count=(count@entry=)?3\)"#, options: .regularExpression) != nil)
        #expect(output.range(of: #"#2  0x[0-9a-f]+ in main \(\)"#, options: .regularExpression) != nil)
        #expect(output.contains("Value returned is $3 = \(numbers[2])\n"))
        #expect(output.contains("exited with code 05]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        #expect(server.stderrLines.count == 1, "\(server.stderrLines)")
        #expect(Self.processes(marked: marker).isEmpty)
    }

    /// In extended mode gdb's `run` replays the recording again from its start: the same
    /// breakpoint stops with the same values, and the replay ends as recorded.
    @Test(.enabled(if: gdbAvailable)) func runStartsTheRecordingAgain() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let marker = "gdb-server-test-\(UUID().uuidString)"
        let recorded = try Harness.record([Self.program, marker], trace: trace)
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: Self.program, extended: true, """
        break scale
        continue
        print value
        continue
        run
        print value
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.components(separatedBy: "Breakpoint 1, scale (value=value@entry=5, factor=factor@entry=3)").count == 3, "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("$1 = 5\n") && output.contains("$2 = 5\n"), "\(output)")
        #expect(output.contains("exited with code 05]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        #expect(Self.processes(marked: marker).isEmpty)
    }

    /// Steps through user code, through a `pushf` of the syscall hook and through a syscall that
    /// replay performs: the replay goes on unchanged to the recorded end.
    @Test(.enabled(if: gdbAvailable)) func hardwareBreakpointAndStepsThroughASyscall() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let marker = "gdb-server-test-\(UUID().uuidString)"
        let recorded = try Harness.record([Self.program, marker], trace: trace)
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: Self.program, """
        hbreak accumulate
        continue
        next
        next
        break write
        continue
        stepi 60
        info registers rip
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        #expect(output.contains("Breakpoint 1, accumulate (count=count@entry=3)"), "\(output)\n\(gdb.stderrText)")
        #expect(output.contains("\n15\t    printf(\"total %d\\n\", total);"), "\(output)")
        #expect(output.contains("Breakpoint 2, "), "\(output)")
        #expect(output.contains("exited with code 05]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
        #expect(Self.processes(marked: marker).isEmpty)
    }

    /// A hardware watchpoint on a global changed in three places stops right after each write,
    /// with the old and new values the recording printed, a read watchpoint at the next read,
    /// and a watchpoint on a global that read(2) fills after that call; the replay then goes on
    /// to its end.
    @Test(.enabled(if: gdbAvailable)) func watchpointStopsAfterEachWrite() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/watch_target"
        let recorded = try Harness.record([program], trace: trace)
        #expect(recorded.stdoutText == "first 11\nsecond 31\nthird 93\nread 94\npipe 42\n")
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: program, """
        watch watched
        continue
        continue
        continue
        delete
        rwatch watched
        continue
        delete
        watch from_pipe
        continue
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        // Each stop: the watchpoint, the values, and the function that wrote (the line after the write).
        let stops = [("0", "11", "set_first"), ("11", "31", "add_second"), ("31", "93", "triple_third")]
        var searchFrom = output.startIndex
        for (old, new, function) in stops {
            let pattern = #"Hardware watchpoint 1: watched\s+Old value = "# + old + #"\s+New value = "# + new + #"\s+(0x[0-9a-f]+ in )?"# + function
            let found = output.range(of: pattern, options: .regularExpression, range: searchFrom..<output.endIndex)
            #expect(found != nil, "no stop for \(function) after the previous one:\n\(output)\n\(gdb.stderrText)")
            if let found { searchFrom = found.upperBound }
        }
        #expect(output.range(of: #"Hardware read watchpoint 2: watched\s+Value = 93\s+"#, options: .regularExpression) != nil, "\(output)")
        // The next read of it is main's, for the third printf.
        #expect(output.range(of: #"Value = 93\s+0x[0-9a-f]+ in main \(\) at \S*watch_target.c:29"#, options: .regularExpression) != nil, "\(output)")
        // Filled by read(2): with syscall buffering the preload library's copy into it stops; with
        // -n replay writes the recorded bytes through ptrace and stops the same way after the call.
        #expect(output.range(of: #"Hardware watchpoint 3: from_pipe\s+Old value = 0\s+New value = 42\s"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
    }

    /// `replay` starts gdb connected to the replay (the default, as `--gdb`); gdb finds the program by itself
    /// (qXfer:exec-file) and the arguments after `--` are gdb's.
    @Test(.enabled(if: gdbAvailable)) func replayWithGdbStartsTheDebugger() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let marker = "gdb-server-test-\(UUID().uuidString)"
        let recorded = try Harness.record([Self.program, marker], trace: trace)
        let session = try Harness.run([Harness.launcher, "replay", trace.path, "--", "-nx", "-batch",
                                       "-ex", "break scale", "-ex", "continue", "-ex", "print factor", "-ex", "delete", "-ex", "continue"])
        #expect(session.status == 0, "\(session.stderrText)")
        #expect(session.stdoutText.contains("$1 = 3\n"), "\(session.stdoutText)")
        #expect(session.stdoutText.contains("exited with code 05]"))
        #expect(session.stdoutText.contains(recorded.stdoutText), "the replayed program's output is echoed")
        #expect(Self.processes(marked: marker).isEmpty)
    }

    @Test(arguments: [["--server", "10.0.0.1:1234"], ["--server", "99999"], ["--server", "127.0.0.1:x"], ["-a", "--", "-batch"],
                      ["-a", "-g", "5"], ["-a", "-e"], ["-a", "-p", "sh"], ["--server", "0", "-g", "x"], ["--server", "0", "-g"]])
    func badServerOptionsAreOneLineErrors(_ options: [String]) throws {
        let result = try Harness.run([Harness.launcher, "replay"] + options + ["/nonexistent.rrt"])
        #expect(result.status != 0)
        #expect(result.stderrText.split(separator: "\n").count == 1, "\(result.stderrText)")
    }

    /// `replay` is a gdb session by default: a trace that cannot be read is still one line, the
    /// replayer's, and its status.
    @Test(.enabled(if: gdbAvailable)) func aBadTraceForTheDefaultGdbSessionIsOneLine() throws {
        let result = try Harness.run([Harness.launcher, "replay", "/no/such/trace.rrt"])
        #expect(result.status == 1)
        #expect(result.stderrText.split(separator: "\n").count == 1 && result.stderrText.contains("cannot open trace"), "\(result.stderrText)")
    }

    @Test func malformedPacketsAreAnsweredAndADisconnectEndsTheReplay() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let marker = "gdb-server-test-\(UUID().uuidString)"
        _ = try Harness.record([Self.program, marker], trace: trace)
        let server = try Server(trace: trace, in: scratch)
        let connection = try Connection(port: server.port)
        // A packet with a bad checksum is asked for again; a good packet with bad arguments gets an error reply.
        try connection.send("$qSupported#00")
        #expect(try connection.receive(until: "-") == "-")
        try connection.send("$mzz,4#" + Self.checksum("mzz,4"))
        #expect(try connection.receive(until: "#").hasSuffix("+$E16#"))
        try connection.send("+$m0,4#" + Self.checksum("m0,4"))
        #expect(try connection.receive(until: "#").contains("$E0e#"))
        connection.close()
        let status = server.wait()
        #expect(status == 1)
        let lines = server.stderrLines
        #expect(lines.count == 2 && lines[1].hasPrefix("rr-replayer: the debugger disconnected at event "), "\(lines)")
        #expect(Self.processes(marked: marker).isEmpty)
    }

    static func checksum(_ payload: String) -> String {
        String(format: "%02x", payload.utf8.reduce(UInt8(0)) { $0 &+ $1 })
    }

    /// A raw TCP connection to the server, for what gdb never sends.
    final class Connection {
        let descriptor: Int32
        var received = ""

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { throw ServerError(text: "connect failed: errno \(errno)") }
        }

        func send(_ text: String) throws {
            let bytes = Array(text.utf8)
            guard Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw ServerError(text: "send failed") }
        }

        /// What arrived up to and including the first `end` (and the checksum after a `#`).
        func receive(until end: Character) throws -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                if let index = received.firstIndex(of: end) {
                    var stop = received.index(after: index)
                    if end == "#" { stop = received.index(stop, offsetBy: 2, limitedBy: received.endIndex) ?? received.endIndex }
                    if end != "#" || received.distance(from: index, to: stop) == 3 {
                        let text = String(received[..<stop])
                        received = String(received[stop...])
                        return end == "#" ? String(text.dropLast(2)) : text
                    }
                }
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { throw ServerError(text: "the server sent \(received) and then nothing") }
                received += String(decoding: buffer[0..<count], as: UTF8.self)
            }
        }

        func close() { Glibc.close(descriptor) }
    }
}
