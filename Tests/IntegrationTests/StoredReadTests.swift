import Foundation
import Testing

/// Large reads from regular files go into the trace by content (protocol/README.md §4.3, stored
/// writes): replay copies the stored pieces into memory, recordings of the same input share their
/// compressed blocks through the block cache, and the independent Python reader decodes them.
@Suite struct StoredReadTests {
    static let program = "\(Harness.programs)/large_reads"

    /// Records large_reads with the block cache in `cache` and returns the trace's traceinfo.
    static func record(to trace: URL, cache: URL, extra: [String: String] = [:]) throws -> (result: Harness.Result, info: [String: Any]) {
        let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--", program],
                                       environment: ["RR_SWIFT_BLOCK_CACHE": cache.path].merging(extra) { $1 })
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        let info = try Harness.run([Harness.launcher, "traceinfo", trace.path])
        return (recorded, try #require(try JSONSerialization.jsonObject(with: info.stdout) as? [String: Any]))
    }

    static func files(in directory: URL) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    }

    @Test(arguments: [false, true]) func largeReadsAreStoredByContentAndReplay(unbuffered: Bool) throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("large.rrt")
        let extra = unbuffered ? ["RR_SWIFT_NO_SYSCALL_BUFFER": "1"] : [:]
        let (recorded, info) = try Self.record(to: trace, cache: scratch.url.appendingPathComponent("blocks"), extra: extra)
        // read 3 MiB, pread 2 MiB, preadv 2 MiB, and readv's 200,000-byte buffer unless the
        // call fit the syscall buffer (512 KiB), whose records carry it; never readv's 4 KiB
        // buffer nor the pipe's 60,000 bytes.
        let stored = try #require(info["stored_write_bytes"] as? Int)
        let buffering = !unbuffered && ProcessInfo.processInfo.environment["RR_SWIFT_NO_SYSCALL_BUFFER"] == nil
        #expect(stored == 7 * (1 << 20) + (buffering ? 0 : 200_000), "\(info)")
        let replayed = try Harness.run([Harness.launcher, "replay", "-a", trace.path], environment: extra)
        #expect(replayed.status == 0, "\(replayed.stderrText)")
        #expect(replayed.stdout == recorded.stdout)
        #expect(recorded.stdoutText.contains("pipe read 60000 bytes"), "\(recorded.stdoutText)")
    }

    @Test func aSecondRecordingOfTheSameInputReusesTheCachedBlocks() throws {
        let scratch = try TemporaryDirectory()
        let cache = scratch.url.appendingPathComponent("blocks")
        _ = try Self.record(to: scratch.url.appendingPathComponent("first.rrt"), cache: cache)
        let afterFirst = Self.files(in: cache)
        #expect(afterFirst.count >= 3, "the three distinct MiBs of the file: \(afterFirst)")
        _ = try Self.record(to: scratch.url.appendingPathComponent("second.rrt"), cache: cache)
        let added = Self.files(in: cache).subtracting(afterFirst)
        #expect(added.isEmpty, "the second recording compressed again: \(added)")
    }

    @Test func thePythonReaderDecodesStoredWrites() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("large.rrt")
        _ = try Self.record(to: trace, cache: scratch.url.appendingPathComponent("blocks"))
        let reader = Harness.root.appendingPathComponent("protocol/examples/decode_trace.py").path
        let decoded = try Harness.run(["python3", reader, trace.path])
        #expect(decoded.status == 0, "\(decoded.stderrText.suffix(500))")
        #expect(decoded.stdoutText.contains("stored=\(3 << 20)@0x"), "\(decoded.stdoutText.suffix(500))")
    }
}
