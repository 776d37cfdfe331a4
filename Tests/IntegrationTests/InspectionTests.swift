import Foundation
import Testing

/// rr-launch ps, dump, traceinfo and ls look inside traces without replaying them.
@Suite struct InspectionTests {
    static func recordPipeline(in directory: TemporaryDirectory) throws -> URL {
        let trace = directory.url.appendingPathComponent("pipeline.rrt")
        let recorded = try Harness.record(["sh", "-c", "seq 1 100 | sort -rn | head -2; exit 3"], trace: trace)
        #expect(recorded.status == 3)
        return trace
    }

    @Test func psListsEveryProcess() throws {
        let directory = try TemporaryDirectory()
        let result = try Harness.run([Harness.launcher, "ps", try Self.recordPipeline(in: directory).path])
        #expect(result.status == 0, "\(result.stderrText)")
        let rows = result.stdoutText.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.count == 4, "\(result.stdoutText)")
        #expect(rows.first?[2] == "3" && rows.first?[3].hasPrefix("sh -c") == true)
        #expect(rows.contains { $0[3] == "seq 1 100" && $0[1] == rows[0][0] })
        #expect(rows.contains { $0[3] == "sort -rn" })
        #expect(rows.contains { $0[3] == "head -2" && $0[2] == "0" })
    }

    @Test func dumpJsonIsValidAndFilters() throws {
        let directory = try TemporaryDirectory()
        let trace = try Self.recordPipeline(in: directory)
        let all = try Harness.run([Harness.launcher, "dump", "--json", trace.path])
        let events = try #require(try JSONSerialization.jsonObject(with: all.stdout) as? [[String: Any]])
        #expect(events.count > 100)
        #expect(Set(events.compactMap { $0["kind"] as? String }).isSuperset(of: ["exec", "syscall", "taskCreated", "exit"]))
        let mainTid = try #require(events.first?["tid"] as? Int)
        let some = try Harness.run([Harness.launcher, "dump", "--json", "--tid", String(mainTid), "--from", "3", "--to", "40", trace.path])
        let filtered = try #require(try JSONSerialization.jsonObject(with: some.stdout) as? [[String: Any]])
        #expect(!filtered.isEmpty)
        #expect(filtered.allSatisfy { ($0["tid"] as? Int) == mainTid && ($0["index"] as! Int) >= 3 && ($0["index"] as! Int) <= 40 })
        let text = try Harness.run([Harness.launcher, "dump", trace.path])
        #expect(text.stdoutText.contains("syscall openat("))
    }

    @Test func traceinfoFromAFileAndFromStdin() throws {
        let directory = try TemporaryDirectory()
        let trace = try Self.recordPipeline(in: directory)
        let fromFile = try Harness.run([Harness.launcher, "traceinfo", trace.path])
        let fromStdin = try Harness.run(["bash", "-c", "cat \(trace.path) | \(Harness.launcher) traceinfo -"])
        #expect(fromFile.stdout == fromStdin.stdout)
        let info = try #require(try JSONSerialization.jsonObject(with: fromFile.stdout) as? [String: Any])
        #expect(info["format_version"] as? Int == 2)
        #expect(info["complete"] as? Bool == true)
        #expect(info["exit_status"] as? Int == 3)
        #expect(info["processes"] as? Int == 4)
        #expect((info["cpu_model"] as? String)?.contains("model name") == true)
        #expect((info["events"] as? Int ?? 0) > 100)
        let psFromStdin = try Harness.run(["bash", "-c", "cat \(trace.path) | \(Harness.launcher) ps -"])
        #expect(psFromStdin.stdout == (try Harness.run([Harness.launcher, "ps", trace.path])).stdout)
    }

    @Test func lsListsTheTraceDirectory() throws {
        let directory = try TemporaryDirectory()
        let traces = directory.url.appendingPathComponent("traces").path
        let environment = ["RR_SWIFT_TRACE_DIR": traces]
        try Harness.run([Harness.launcher, "record", "--", "true"], environment: environment)
        try Harness.run([Harness.launcher, "record", "--", "echo", "hi"], environment: environment)
        let listing = try Harness.run([Harness.launcher, "ls"], environment: environment)
        #expect(listing.stdoutText.contains("true-0.rrt"))
        #expect(listing.stdoutText.contains("echo-0.rrt"))
        #expect(listing.stdoutText.contains("echo hi"))
        #expect(listing.stdoutText.hasSuffix("\n"))
        // Start times in local time as ls -l shows them ("Dec  3 05:40"), in the zone asked for.
        let month = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]"
        for line in listing.stdoutText.split(separator: "\n").dropFirst() {
            #expect(line.split(separator: "\t")[2].wholeMatch(of: try Regex(month)) != nil, "\(line)")
        }
        let utc = try Harness.run([Harness.launcher, "ls"], environment: environment.merging(["TZ": "UTC"]) { $1 })
        let tokyo = try Harness.run([Harness.launcher, "ls"], environment: environment.merging(["TZ": "Asia/Tokyo"]) { $1 })
        let hour = { (listing: Harness.Result) in Int(listing.stdoutText.split(separator: "\n")[1].split(separator: "\t")[2].suffix(5).prefix(2)) ?? -1 }
        #expect((hour(utc) + 9) % 24 == hour(tokyo), "\(utc.stdoutText) \(tokyo.stdoutText)")
        let latest = try Harness.run([Harness.launcher, "replay", "-a"], environment: environment)
        #expect(latest.stdoutText == "hi\n")
    }
}

/// A long recording reports progress on a terminal, and never into a pipe or file.
@Suite struct ProgressTests {
    static let slowProgram = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 0.5; /bin/true; done"]

    @Test func progressOnATerminalOnly() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("p.rrt").path
        let command = ([Harness.launcher, "record", "-o", trace, "--"] + Self.slowProgram)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let onTerminal = try Harness.run(["script", "-qec", command, "/dev/null"], timeout: 60)
        #expect(onTerminal.stdoutText.contains("rr-swift: recording:"), "\(onTerminal.stdoutText)")
        let intoFile = try Harness.record(Self.slowProgram, trace: directory.url.appendingPathComponent("q.rrt"))
        #expect(!intoFile.stderrText.contains("rr-swift"))
        #expect(intoFile.status == 0)
    }
}
