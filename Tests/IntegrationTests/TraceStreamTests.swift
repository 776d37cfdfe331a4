import Foundation
import Testing

/// Traces as streams to remote storage: crash-safe, checked, inspectable.
@Suite struct TraceStreamTests {
    static let scripts = Harness.root.appendingPathComponent("Tests/Scripts").path

    /// A recording of a shell printing `lines` lines slowly, and the pid file its shell writes.
    static func slowScript(lines: Int, pidFile: URL) -> String {
        "echo $$ > \(pidFile.path); i=0; while [ $i -lt \(lines) ]; do echo line $i; i=$((i+1)); sleep 0.01; done"
    }

    @Test(.enabled(if: Harness.commandExists("aws") && Harness.commandExists("moto_server"), "needs the AWS CLI and moto (.ci/run installs them for root)"))
    func s3RoundTripThroughTheAwsCli() throws {
        let result = try Harness.run(["bash", "\(Self.scripts)/s3_roundtrip.sh", Harness.launcher, "/usr/bin/uname"], timeout: 180)
        #expect(result.status == 0 && result.stdoutText.contains("s3 round trip ok"), "\(result.stdoutText) \(result.stderrText)")
    }

    @Test func plainPipesThroughGzip() throws {
        let directory = try TemporaryDirectory()
        let zipped = directory.url.appendingPathComponent("trace.rrt.gz")
        let script = "\(Harness.launcher) record -o - -- seq 1 3000 2>\(directory.url.path)/rec.txt | gzip > \(zipped.path) && "
            + "gzip -dc \(zipped.path) | \(Harness.launcher) replay - > \(directory.url.path)/rep.txt && cmp \(directory.url.path)/rec.txt \(directory.url.path)/rep.txt"
        let result = try Harness.run(["bash", "-o", "pipefail", "-c", script])
        #expect(result.status == 0, "\(result.stderrText)")
    }

    @Test func slowConsumerLosesNothing() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("slow.rrt")
        let script = "\(Harness.launcher) record -o - -- seq 1 20000 2>\(directory.url.path)/rec.txt | (sleep 2; cat) > \(trace.path)"
        let result = try Harness.run(["bash", "-o", "pipefail", "-c", script])
        #expect(result.status == 0, "\(result.stderrText)")
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 0)
        #expect(replayed.stdout == (try Data(contentsOf: directory.url.appendingPathComponent("rec.txt"))))
        #expect(replayed.stdoutText.hasSuffix("19999\n20000\n"))
    }

    /// Kills the supervisor (the recorded shell's parent) or the trace-writer (the supervisor's
    /// sibling under the launcher) mid-recording: the trace is readable up to its last complete
    /// block, and the recorded shell does not survive.
    @Test(arguments: ["supervisor", "writer"])
    func killedMidRecording(victim: String) throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("killed.rrt")
        let pidFile = directory.url.appendingPathComponent("pid")
        let pickVictim = victim == "supervisor" ? "victim=$supervisor"
            : "victim=$(cat /proc/$launcher/task/*/children | tr ' ' '\\n' | grep -v \"^$supervisor$\" | grep . | head -1)"
        let script = """
            \(Harness.launcher) record -o \(trace.path) -- sh -c '\(Self.slowScript(lines: 400, pidFile: pidFile))' > \(directory.url.path)/out.txt 2>/dev/null &
            launcher=$!
            for i in $(seq 1 100); do [ -s \(pidFile.path) ] && break; sleep 0.05; done
            sleep 2.5
            supervisor=$(awk '/PPid/{print $2}' /proc/$(cat \(pidFile.path))/status)
            \(pickVictim)
            kill -9 $victim
            wait $launcher
            echo "launcher status $?"
            sleep 0.5
            # A zombie (dead, waiting for a parent that never reaps, as a container's pid 1 may) is gone.
            grep -qs '^State:.*[RSDT]' /proc/$(cat \(pidFile.path))/status && echo "recorded shell still running"
            true
            """
        let result = try Harness.run(["bash", "-c", script], timeout: 60)
        #expect(result.stdoutText.contains("launcher status") && !result.stdoutText.contains("launcher status 0"), "\(result.stdoutText)")
        #expect(!result.stdoutText.contains("still running"))
        let full = try Harness.replay(trace)
        #expect(full.status != 0 && full.stderrText.contains("truncated"), "\(full.stderrText)")
        let partial = try Harness.run([Harness.launcher, "replay", "-a", "--partial", trace.path])
        #expect(partial.status == 0, "\(partial.stderrText)")
        #expect(partial.stderrText.contains("replayed its complete prefix"))
        let lines = partial.stdoutText.split(separator: "\n")
        #expect(lines.count >= 3, "only \(lines.count) lines survived")
        #expect(lines.first == "line 0")
        let recordedOutput = try String(contentsOf: directory.url.appendingPathComponent("out.txt"), encoding: .utf8)
        #expect(recordedOutput.hasPrefix(partial.stdoutText), "replay printed what the recording did not")
    }

    @Test(.enabled(if: Harness.isRoot, "mounts a small tmpfs"))
    func diskFullKeepsACompletePrefix() throws {
        let result = try Harness.run(["bash", "\(Self.scripts)/disk_full.sh", Harness.launcher], timeout: 60)
        #expect(result.stdoutText.contains("record status 1"), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("No space left on device"))
        #expect(!result.stdoutText.contains("left running"))
        #expect(result.stdoutText.contains("replay status 0"))
        #expect(result.stdoutText.contains("replayed its complete prefix"))
    }

    @Test func gigabyteTraceReplaysFromAPipeInBoundedMemory() throws {
        let result = try Harness.run(["bash", "\(Self.scripts)/big_trace.sh", Harness.launcher], timeout: 600)
        #expect(result.status == 0, "\(result.stderrText)")
        let lines = result.stdoutText.split(separator: "\n")
        let traceBytes = Int(lines.first { $0.hasPrefix("trace bytes ") }?.split(separator: " ").last ?? "") ?? 0
        let peakKiB = Int(lines.last ?? "") ?? .max
        #expect(traceBytes > 1_073_741_824, "the trace must carry the gigabyte it read (\(traceBytes) bytes)")
        #expect(peakKiB < 200 * 1024, "replayer peak RSS \(peakKiB) KiB")
    }

    /// RR_SWIFT_PEAK_RSS_FILE (what make bench uses): each tool reports its peak resident memory,
    /// the program does not see the variable, and 200 MB read in 128 KiB pieces (head and cat)
    /// leave every tool far below what holding the recording would take.
    @Test func peakMemoryIsReportedAndDoesNotGrowWithTheRecording() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("t.rrt"), report = directory.url.appendingPathComponent("peaks")
        let environment = ["RR_SWIFT_PEAK_RSS_FILE": report.path]
        let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--", "sh", "-c",
                                        "env | grep -c RR_SWIFT_PEAK; head -c 100000000 /dev/urandom | cat >/dev/null"],
                                       environment: environment)
        #expect(recorded.stdoutText == "0\n", "the program saw the variable: \(recorded.stdoutText) \(recorded.stderrText)")
        let replayed = try Harness.run([Harness.launcher, "replay", "-a", trace.path], environment: environment)
        #expect(replayed.stdout == recorded.stdout, "\(replayed.stderrText)")
        let peaks = Dictionary(uniqueKeysWithValues: try String(contentsOf: report, encoding: .utf8).split(separator: "\n").map {
            let fields = $0.split(separator: " ")
            return (String(fields[0]), Int(fields[1]) ?? .max)
        })
        #expect(Set(peaks.keys) == ["rr-supervisor", "rr-trace-writer", "rr-replayer"], "\(peaks)")
        for (tool, kib) in peaks { #expect(kib > 0 && kib < 80 * 1024, "\(tool) peak \(kib) KiB") }
    }
}

/// Block compression, chosen at record time and named in the stream header: zstd by default,
/// zlib (the format of the first traces) on request; traces of either replay.
@Suite struct CompressionTests {
    /// `--compression` as given (nil: the default), and the codec the trace must then name.
    static let choices: [(option: String?, name: String, headerValue: UInt8)] = [
        (nil, "zstd", 2), ("zstd", "zstd", 2), ("zlib", "zlib", 1),
    ]

    /// Random bytes (blocks no codec shrinks) and a directory listing (text) in one trace.
    @Test(arguments: choices.indices)
    func traceReplaysAndNamesItsCodec(choice: Int) throws {
        let (option, name, headerValue) = Self.choices[choice]
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("t.rrt")
        let codec = option.map { ["--compression", $0] } ?? []
        let recorded = try Harness.run([Harness.launcher, "record"] + codec + ["-o", trace.path, "--",
                                        "sh", "-c", "ls -la /usr/bin; head -c 3000000 /dev/urandom | sha256sum"])
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        let replayed = try Harness.replay(trace)
        #expect(replayed.status == 0 && replayed.stdout == recorded.stdout, "\(replayed.stderrText)")
        let info = try Harness.run([Harness.launcher, "traceinfo", trace.path])
        #expect(info.stdoutText.contains("\"compression\":\"\(name)\""), "\(info.stdoutText)")
        let bytes = [UInt8](try Data(contentsOf: trace))
        #expect(bytes.count > 3_000_000 && bytes[12] == headerValue, "the stream header names \(name)")
    }

    @Test func unknownCompressionIsRefused() throws {
        BadInputTests.expectOneLineError(try Harness.run([Harness.launcher, "record", "--compression", "lzma", "--", "true"]),
                                         containing: "unknown compression")
    }
}

/// Replay starts before the whole stream has arrived: the writer hands on what it has when the
/// recording pauses, and the replayer reads block by block.
@Suite struct StreamingReplayTests {
    @Test func replayShowsOutputWhileTheRecordingStillRuns() throws {
        let pipeline = "\(Harness.launcher) record -o - -- sh -c 'echo first; sleep 3; echo second' 2>/dev/null "
            + "| \(Harness.launcher) replay - | while read line; do echo \"$(date +%s.%N) $line\"; done"
        let result = try Harness.run(["bash", "-c", pipeline], timeout: 60)
        let lines = result.stdoutText.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.count == 2 && lines[0].last == "first" && lines[1].last == "second", "\(result.stdoutText) \(result.stderrText)")
        guard lines.count == 2, let first = Double(lines[0][0]), let second = Double(lines[1][0]) else { return }
        #expect(second - first > 2, "the first line was replayed only \(second - first) s before the second")
    }
}
