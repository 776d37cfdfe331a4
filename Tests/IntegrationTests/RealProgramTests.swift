import Foundation
import Testing

/// Unmodified system programs recorded and replayed with identical output.
@Suite struct RealProgramTests {
    @Test func listsUsrBin() throws {
        let (recorded, _) = try Harness.recordAndReplay(["ls", "-la", "/usr/bin"])
        #expect(recorded.status == 0)
        #expect(recorded.stdoutText.contains("sha256sum"))
    }

    /// node: many threads, still busy in user code when the main thread's exit_group kills them,
    /// and a libuv thread whose epoll_pwait the desched signal interrupts with EINTR. Without
    /// buffering (and so too without the desched event, as an ordinary user) node's epoll_pwait
    /// waits in the kernel with its 1024-event buffer on the stack redirected to scratch memory;
    /// only the events the kernel reported may be copied back (epoll_untouched.c), or a stack slot
    /// node reads later differs in replay. Timers make the main loop wait with timeouts.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/node")), arguments: [true, false])
    func nodeWithItsWorkerThreads(buffering: Bool) throws {
        let directory = try TemporaryDirectory()
        let scripts = [
            ("console.log([1, 2, 3].map(x => x * 7).join(' '))", "7 14 21\n"),
            ("""
             let n = 0, ticks = 0, finished = 0;
             const done = () => { if (++finished === 2) console.log('chain', n, 'ticks', ticks) };
             const chain = k => k < 4 ? setTimeout(() => { n += k; chain(k + 1) }, 3) : done();
             chain(0);
             const timer = setInterval(() => { if (++ticks === 3) { clearInterval(timer); done() } }, 5);
             """, "chain 6 ticks 3\n"),
        ]
        for (index, (script, expected)) in scripts.enumerated() {
            let trace = directory.url.appendingPathComponent("node\(index).rrt")
            let recorded = try Harness.run([Harness.launcher, "record"] + (buffering ? [] : ["-n"])
                                           + ["-o", trace.path, "--", "/usr/bin/node", "-e", script],
                                           environment: ["RR_SWIFT_NO_SYSCALL_BUFFER": ""])
            #expect(recorded.status == 0 && recorded.stdoutText == expected, "\(recorded.stderrText)")
            let replayed = try Harness.replay(trace)
            #expect(replayed.status == 0 && replayed.stdout == recorded.stdout, "\(replayed.stderrText)")
        }
    }

    /// java 17: a JVM (a dozen threads of its own: JIT compilers, GC) running a fixed pool of
    /// four worker threads, whose results the main thread adds up. (-XX:-UsePerfData: the JVM's
    /// statistics file in /tmp is mapped shared, which the recorder warns about. -Xint and the
    /// serial collector leave out the compiler and parallel-collector threads: with them, while
    /// the whole suite ran in parallel in CI, this test took about 95 s, against about 3 s alone,
    /// and a replay once passed its 120 s.) Not run as the unprivileged user for now: in CI's
    /// unprivileged buffered pass its replay twice did not finish within 300 s (never alone, as
    /// that user or root; an open bug of replaying a busy JVM under load, issue 10).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/javac") && geteuid() == 0))
    func javaWithAThreadPool() throws {
        let directory = try TemporaryDirectory()
        let source = directory.url.appendingPathComponent("Pool.java")
        try """
            import java.util.*;
            import java.util.concurrent.*;
            public class Pool {
                public static void main(String[] args) throws Exception {
                    ExecutorService pool = Executors.newFixedThreadPool(4);
                    List<Future<Long>> parts = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        final long k = i;
                        parts.add(pool.submit(() -> { long t = 0; for (long j = 0; j < 2000; j++) t += j * k; return t; }));
                    }
                    long sum = 0;
                    for (Future<Long> part : parts) sum += part.get();
                    pool.shutdown();
                    System.out.println("sum " + sum);
                }
            }
            """.write(to: source, atomically: true, encoding: .utf8)
        let compiled = try Harness.run(["/usr/bin/javac", "-d", directory.url.path, source.path], timeout: 120)
        #expect(compiled.status == 0, "\(compiled.stderrText)")
        let (recorded, _) = try Harness.recordAndReplay(["/usr/bin/java", "-XX:-UsePerfData", "-Xint", "-XX:+UseSerialGC", "-cp", directory.url.path, "Pool"],
                                                        timeout: 300)
        #expect(recorded.status == 0, "\(recorded.stderrText.suffix(400))")
        #expect(recorded.stdoutText == "sum 55972000\n")
    }

    @Test func hashesFiftyMegabytes() throws {
        let directory = try TemporaryDirectory()
        let input = directory.url.appendingPathComponent("big.bin")
        try Harness.run(["head", "-c", "50000000", "/dev/urandom"], stdoutFile: input)
        let (recorded, _) = try Harness.recordAndReplay(["sha256sum", input.path])
        let native = try Harness.run(["sha256sum", input.path])
        #expect(recorded.stdout == native.stdout)
    }

    @Test func gzipOutputIsReproduced() throws {
        let directory = try TemporaryDirectory()
        let input = directory.url.appendingPathComponent("input.txt")
        try Harness.run(["seq", "1", "300000"], stdoutFile: input)
        let trace = directory.url.appendingPathComponent("gzip.rrt")
        let recordedOut = directory.url.appendingPathComponent("out.gz")
        let replayedOut = directory.url.appendingPathComponent("replayed.gz")
        let recorded = try Harness.record(["gzip", "-c", input.path], trace: trace, stdoutFile: recordedOut)
        let replayed = try Harness.replay(trace, stdoutFile: replayedOut)
        #expect(recorded.status == 0 && replayed.status == 0, "\(replayed.stderrText)")
        let original = try Data(contentsOf: recordedOut)
        #expect(original.count > 1000)
        #expect(try Data(contentsOf: replayedOut) == original)
        let unzipped = try Harness.run(["gzip", "-dc", recordedOut.path])
        #expect(unzipped.stdout == (try Data(contentsOf: input)))
    }

    @Test func sortsAHundredThousandLines() throws {
        let directory = try TemporaryDirectory()
        let input = directory.url.appendingPathComponent("lines.txt")
        try Harness.run(["sh", "-c", "seq 1 100000 | shuf"], stdoutFile: input)
        let (recorded, _) = try Harness.recordAndReplay(["sort", "--parallel=1", input.path])
        let native = try Harness.run(["sort", "--parallel=1", input.path])
        #expect(recorded.stdout == native.stdout)
    }

    /// Job control in a shell: a background job stopped and continued, then one that gets a
    /// SIGTERM while stopped (held until the SIGCONT). A stopped job must stay stopped under the
    /// recorder, or the second job would die before its SIGCONT. (The pause after the SIGSTOP
    /// lets the job take it first: pending together, the lower-numbered SIGTERM would win.)
    @Test func shellJobControl() throws {
        let script = """
            sleep 10 & kill -STOP $!; kill -CONT $!; kill $!; wait $!; echo first $?
            sleep 10 & job=$!; kill -STOP $job; sleep 0.2; kill -TERM $job; sleep 0.1
            kill -0 $job && echo still there; kill -CONT $job; wait $job; echo second $?
            """
        let (recorded, _) = try Harness.recordAndReplay(["sh", "-c", script])
        let native = try Harness.run(["sh", "-c", script])
        #expect(native.stdoutText == "first 143\nstill there\nsecond 143\n")
        #expect(recorded.stdout == native.stdout, "\(recorded.stderrText)")
    }

    @Test func dateDiffersBetweenRecordingsButNotInReplay() throws {
        let first = try Harness.recordAndReplay(["date", "+%s.%N"])
        let second = try Harness.recordAndReplay(["date", "+%s.%N"])
        #expect(first.record.stdout != second.record.stdout)
        let plain = try Harness.recordAndReplay(["date"])
        #expect(plain.record.status == 0)
    }

    @Test func pythonRandomnessTimeAndFiles() throws {
        let directory = try TemporaryDirectory()
        let script = """
            import random, time, os
            print(random.random())
            print(time.time())
            print(os.urandom(8).hex())
            path = os.path.join(os.getcwd(), "data.txt")
            with open(path, "w") as f:
                f.write("value %r\\n" % random.random())
            with open(path) as f:
                print(f.read().strip())
            os.remove(path)
            """
        let first = try Harness.recordAndReplay(["/usr/bin/python3", "-c", script], in: directory.url)
        let second = try Harness.recordAndReplay(["/usr/bin/python3", "-c", script], in: directory.url)
        #expect(first.record.status == 0, "\(first.record.stderrText)")
        #expect(first.record.stdoutText.split(separator: "\n").count == 4)
        let firstLines = first.record.stdoutText.split(separator: "\n"), secondLines = second.record.stdoutText.split(separator: "\n")
        for (a, b) in zip(firstLines, secondLines) { #expect(a != b, "two recordings printed the same \(a)") }
    }
}
