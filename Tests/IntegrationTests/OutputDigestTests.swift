import Foundation
import RRCore
import Testing

/// Replay compares the digest of each write-like call's output with the recorded one: a trace
/// whose recorded read is altered makes the replayed program write other bytes, and replay must
/// stop at that write with a divergence instead of printing them.
@Suite struct OutputDigestTests {
    static let marker = Array("RR-OUTPUT-DIGEST".utf8)

    /// "RR-OUTPUT..." becomes "XR-OUTPUT...": as if the file had held other bytes.
    static func altered(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.starts(with: marker) else { return nil }
        var changed = bytes
        changed[0] = UInt8(ascii: "X")
        return changed
    }

    @Test func alteredInputIsADivergenceAtTheFirstWrite() throws {
        let directory = try TemporaryDirectory()
        let trace = directory.url.appendingPathComponent("copy.rrt")
        let recorded = try Harness.record(["\(Harness.programs)/output_copy"], trace: trace)
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        #expect(recorded.stdoutText.contains("copied 69 bytes five times"))
        let tampered = directory.url.appendingPathComponent("tampered.rrt")
        // Without syscall buffering the read is a syscall event with the bytes as a memory write.
        let traced = try TraceSurgery.rewriteFirstSyscall(in: trace, to: tampered) { event in
            guard event.number == .read, let index = event.writes.firstIndex(where: { Self.altered($0.bytes) != nil }) else { return nil }
            var updated = event
            updated.writes[index].bytes = Self.altered(event.writes[index].bytes)!
            return updated
        }
        // With it, the read is a record of a flush, its bytes the record's output.
        let buffered = try !traced && TraceSurgery.rewriteFirstBufferedRecord(in: trace, to: tampered) { record in
            guard record.number == .read, let changed = Self.altered(record.output) else { return false }
            record.output = changed
            return true
        }
        #expect(traced || buffered, "no recorded read of the marker found")
        let replayed = try Harness.replay(tampered)
        BadInputTests.expectOneLineError(replayed, containing: "replay diverged at event")
        // The write to the copy (descriptor 3 or more) is buffered when buffering is on.
        let expectedText = traced ? "expected write output digest 0x" : "expected buffered write (call "
        #expect(replayed.stderrText.contains(expectedText) && replayed.stderrText.contains("got output digest 0x"), "\(replayed.stderrText)")
        #expect(!replayed.stdoutText.contains("XR-OUTPUT"), "the altered bytes were printed: \(replayed.stdoutText)")
        #expect(!replayed.stdoutText.contains("copied"), "replay went on past the divergence: \(replayed.stdoutText)")
    }

    @Test func unalteredCopyReplays() throws {
        let (recorded, _) = try Harness.recordAndReplay(["\(Harness.programs)/output_copy"])
        #expect(recorded.status == 0)
    }

    /// The digest depends on the bytes alone, however a vector splits them.
    @Test func digestOfSplitBytesIsTheDigestOfTheirConcatenation() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let whole = OutputDigest.digest(of: bytes)
        for split in [0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 99, 100] {
            let memory = SplitMemory(first: Array(bytes[..<split]), second: Array(bytes[split...]))
            let iovecs: [UInt64] = [SplitMemory.firstAddress, UInt64(split), SplitMemory.secondAddress, UInt64(100 - split)]
            let digest = try? OutputDigest.digest(of: .writev, arguments: [3, SplitMemory.iovecAddress, 2, 0, 0, 0], result: 100,
                                                  memory: memory.with(iovecs: iovecs))
            #expect(digest == whole, "split at \(split)")
        }
        #expect(OutputDigest.digest(of: bytes) != OutputDigest.digest(of: Array(bytes.dropLast())))
        var changed = bytes
        changed[50] ^= 1
        #expect(OutputDigest.digest(of: changed) != whole)
    }
}

/// Tracee memory for the digest's unit test: two buffers and an iovec array.
private struct SplitMemory: TraceeMemoryReader {
    static let firstAddress: UInt64 = 0x1000, secondAddress: UInt64 = 0x2000, iovecAddress: UInt64 = 0x3000
    var first: [UInt8], second: [UInt8], iovecs: [UInt8] = []

    func with(iovecs words: [UInt64]) -> SplitMemory {
        var copy = self
        copy.iovecs = words.flatMap { word in withUnsafeBytes(of: word.littleEndian) { Array($0) } }
        return copy
    }

    func readBytes(at address: RemoteAddress, count: Int) throws -> [UInt8] {
        for (base, bytes) in [(Self.firstAddress, first), (Self.secondAddress, second), (Self.iovecAddress, iovecs)]
        where address >= base && address + UInt64(count) <= base + UInt64(bytes.count) {
            return Array(bytes[Int(address - base)..<Int(address - base) + count])
        }
        throw RRError.corruptTrace("no test memory at 0x\(String(address, radix: 16))")
    }
}
