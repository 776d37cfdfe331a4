import Foundation
import RRCore
import RRTrace
import Testing

/// Process trees and thread pools: shells, compilers, build tools, Python with threads and
/// subprocesses, recorded one thread at a time and replayed in the recorded order.
@Suite struct ProcessAndThreadTests {
    @Test func shellPipeline() throws {
        let (recorded, _) = try Harness.recordAndReplay(["sh", "-c", "seq 1 200000 | sort -rn | head -5"])
        #expect(recorded.stdoutText == "200000\n199999\n199998\n199997\n199996\n")
    }

    @Test func bashSubshellsSubstitutionAndBackgroundJobs() throws {
        let script = """
            x=$(echo substituted); (echo "in a subshell: $x"); \
            sleep 0.05 & pid=$!; echo started; wait $pid; echo "waited: $?"; \
            for i in 1 2 3; do echo "loop $i" | tr a-z A-Z; done; \
            (exit 4); echo "subshell status $?"
            """
        let (recorded, _) = try Harness.recordAndReplay(["bash", "-c", script])
        #expect(recorded.status == 0)
        #expect(recorded.stdoutText.contains("in a subshell: substituted"))
        #expect(recorded.stdoutText.contains("LOOP 3"))
        #expect(recorded.stdoutText.contains("subshell status 4"))
    }

    @Test func pythonThreadsQueueAndSubprocess() throws {
        let script = """
            import threading, queue, subprocess
            q = queue.Queue()
            results = []
            lock = threading.Lock()
            def worker():
                while True:
                    item = q.get()
                    if item is None:
                        break
                    with lock:
                        results.append(item * item)
                    q.task_done()
            threads = [threading.Thread(target=worker) for _ in range(4)]
            for t in threads: t.start()
            for i in range(200): q.put(i)
            q.join()
            for t in threads: q.put(None)
            for t in threads: t.join()
            print(sum(results), flush=True)
            subprocess.run(["ls", "/"])
            """
        let (recorded, _) = try Harness.recordAndReplay(["/usr/bin/python3", "-c", script])
        #expect(recorded.stdoutText.hasPrefix("2646700\n"), "\(recorded.stdoutText) \(recorded.stderrText)")
        #expect(recorded.stdoutText.contains("usr\n"))
    }

    @Test func pythonProcessPool() throws {
        let script = """
            import concurrent.futures
            def square(x): return x * x
            if __name__ == "__main__":
                with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
                    print(sum(pool.map(square, range(100))))
            """
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("pool.py")
        try Data(script.utf8).write(to: file)
        let (recorded, _) = try Harness.recordAndReplay(["/usr/bin/python3", file.path])
        #expect(recorded.stdoutText == "328350\n", "\(recorded.stderrText)")
    }

    @Test func gccCompilesARunnableBinary() throws {
        let directory = try TemporaryDirectory()
        try Data("#include <stdio.h>\nint main(void) { puts(\"hello from gcc\"); return 0; }\n".utf8)
            .write(to: directory.url.appendingPathComponent("hello.c"))
        let (recorded, _) = try Harness.recordAndReplay(["gcc", "-O2", "-o", "hello", "hello.c"], in: directory.url)
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        let binary = directory.url.appendingPathComponent("hello").path
        #expect(try Harness.run([binary]).stdoutText == "hello from gcc\n")
        // The native compiler produces the same bytes (gcc output is deterministic for one input).
        try Harness.run(["gcc", "-O2", "-o", "native", "hello.c"], in: directory.url)
        #expect(FileManager.default.contentsEqual(atPath: binary, andPath: directory.url.appendingPathComponent("native").path))
    }

    @Test func parallelMakeOfTwentyFiles() throws {
        let directory = try TemporaryDirectory()
        var main = "#include <stdio.h>\n"
        var calls = ""
        for index in 1...20 {
            try Data("int f\(index)(int x) { return x * \(index) + 1; }\n".utf8)
                .write(to: directory.url.appendingPathComponent("f\(index).c"))
            main += "int f\(index)(int);\n"
            calls += "s += f\(index)(\(index));\n"
        }
        main += "int main(void) { int s = 0;\n\(calls)printf(\"sum %d\\n\", s); return 0; }\n"
        try Data(main.utf8).write(to: directory.url.appendingPathComponent("main.c"))
        let makefile = "OBJS = $(patsubst %.c,%.o,$(wildcard *.c))\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n%.o: %.c\n\t$(CC) -O1 -c $< -o $@\n"
        try Data(makefile.utf8).write(to: directory.url.appendingPathComponent("Makefile"))
        let (recorded, _) = try Harness.recordAndReplay(["make", "-j2"], in: directory.url)
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        #expect(try Harness.run([directory.url.appendingPathComponent("prog").path]).stdoutText == "sum 2890\n")
    }

    @Test func traceeKilledFromOutsideLeavesACompleteTrace() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("killed.rrt")
        let pidFile = directory.url.appendingPathComponent("pid")
        // The recorded shell writes its pid, then waits; the test kills exactly that pid.
        let script = "\(Harness.launcher) record -o \(trace.path) -- sh -c 'echo $$ > \(pidFile.path); echo started; while :; do sleep 0.05; done' & "
            + "for i in $(seq 1 200); do [ -s \(pidFile.path) ] && break; sleep 0.05; done; sleep 0.3; "
            + "kill -9 $(cat \(pidFile.path)); wait $!; echo \"record status $?\""
        let recorded = try Harness.run(["bash", "-c", script], timeout: 60)
        #expect(recorded.stdoutText.contains("record status 137"), "\(recorded.stdoutText) \(recorded.stderrText)")
        let pid = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(kill(pid_t(pid)!, 0) != 0, "the killed tracee is still there")
        let replayed = try Harness.replay(trace)
        // Known: a SIGKILL from outside lands wherever the shell is; when that is inside its
        // SIGCHLD handler (which the recorder now steps into), replay's final registers can
        // differ (issue 10's closing note).
        withKnownIssue("SIGKILL from outside in the middle of a signal handler", isIntermittent: true) {
            #expect(replayed.status == 137, "\(replayed.stderrText)")
        }
        #expect(replayed.stdoutText == "started\n")
    }
}

/// What recording cannot do yet, it says.
@Suite struct RecordingWarningTests {
    /// Once refused with a warning after 2 s; now the spinning thread is preempted.
    @Test func aThreadSpinningWithoutSyscallsIsPreempted() throws {
        let recording = try AsyncEventTests.recordAndReplay(["\(Harness.programs)/unsupported/spin_wait"])
        #expect(recording.record.status == 0, "\(recording.record.stderrText)")
        #expect(recording.preemptions >= 1)
    }

    @Test func aSharedFileMappingIsWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("shared.rrt")
        let recorded = try Harness.record(["\(Harness.programs)/unsupported/shared_file"], trace: trace)
        #expect(recorded.status == 0)
        #expect(recorded.stderrText.contains("is mapped shared"), "\(recorded.stderrText)")
        let replayed = try Harness.replay(trace)
        #expect(replayed.stdout == recorded.stdout && replayed.status == 0, "\(replayed.stderrText)")
    }
}

/// A divergence in any thread names that thread and the event.
@Suite struct ThreadDivergenceTests {
    @Test func divergenceInASecondThreadNamesItsTid() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("threads.rrt")
        let tampered = directory.url.appendingPathComponent("tampered.rrt")
        #expect(try Harness.record(["\(Harness.programs)/pipe_block_threads"], trace: trace).status == 0)
        let mainTid = try TraceSurgery.messages(of: trace).lazy.compactMap { message -> Tid? in
            if case let .event(event) = message { return event.tid }
            return nil
        }.first
        var changedTid: Int32?
        let traced = try TraceSurgery.rewriteFirstSyscall(in: trace, to: tampered) { call in
            guard call.tid != mainTid, call.number.name == "read" else { return nil }
            changedTid = call.tid.rawValue
            var updated = call
            updated.arguments[2] += 1  // the thread's read asks for one byte more than it did
            return updated
        }
        if !traced {
            // With syscall buffering the read is a record of the thread's buffer: claim it was another call.
            _ = try TraceSurgery.rewriteFirstBufferedRecord(in: trace, to: tampered) { record in
                guard record.tid != mainTid, record.number.name == "read" else { return false }
                changedTid = record.tid.rawValue
                record.number = .getpid
                return true
            }
        }
        let tid = try #require(changedTid, "the recording has a read in a second thread")
        let replayed = try Harness.replay(tampered)
        #expect(replayed.status != 0)
        #expect(replayed.stderrText.contains("replay diverged at event"), "\(replayed.stderrText)")
        #expect(replayed.stderrText.contains("(tid \(tid))"), "\(replayed.stderrText)")
    }
}
