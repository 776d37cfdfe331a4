import Testing
import RRCore
import RRFuzzTargets
import RRTrace

/// Replays the fuzz corpus (Tests/FuzzCorpus, see `make fuzz`) through the fuzz targets' own
/// entry functions, without libFuzzer: every input must come back as decoded or as a one-line
/// error, the seeds (`valid-*`) must decode, and each input a fuzzer once crashed on must be
/// refused for the reason its fix gives.
@Suite struct FuzzCorpusTests {
    static let corpus = String(#filePath.split(separator: "/", omittingEmptySubsequences: false)
        .dropLast(2).joined(separator: "/")) + "/FuzzCorpus"

    /// What the reader says about each finding once its checksums are put right (the damage
    /// the fuzzer made sat behind a block checksum its harness recomputes).
    static let findings: [String: String] = [
        "oom-raw-size-allocated-before-inflating": "more than its",
        "oom-stored-size-allocated-before-reading": "trace is truncated",
        "oom-blob-count-reserved-before-reading": "byte strings but holds only",
    ]

    func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let paths = try FuzzDriver.filesUnder("\(Self.corpus)/\(target)")
        #expect(paths.count >= 5, "the corpus of \(target) is missing or nearly empty")
        return try paths.map { (String($0.split(separator: "/").last!), try FuzzDriver.readFile($0)) }
    }

    @Test func streamCorpus() throws {
        var seeds = 0
        for (name, bytes) in try inputs("rr-fuzz-stream") {
            let outcome = FuzzTargets.stream(bytes)
            if name.hasPrefix("valid-") {
                seeds += 1
                guard case let .decoded(count) = outcome else {
                    Issue.record("seed \(name): \(outcome)")
                    continue
                }
                #expect(count >= 3, "seed \(name) holds only \(count) messages")
            } else if name.hasPrefix("truncated-") {
                #expect(outcome.description.contains("truncated"), "\(name): \(outcome)")
            }
            if let reason = Self.findings[name] {
                let repaired = FuzzTargets.stream(FuzzTargets.withChecksumsRecomputed(bytes))
                #expect(repaired.description.contains(reason), "\(name): \(repaired)")
            }
        }
        #expect(seeds >= 3)
    }

    @Test func eventCorpus() throws {
        var seeds = 0
        for (name, bytes) in try inputs("rr-fuzz-events") {
            let outcome = FuzzTargets.message(bytes)
            if name.hasPrefix("valid-") {
                seeds += 1
                #expect(outcome == .decoded(messages: 1), "seed \(name): \(outcome)")
            }
            if let reason = Self.findings[name] {
                #expect(outcome.description.contains(reason), "\(name): \(outcome)")
            }
        }
        #expect(seeds >= 10)
    }

    /// A partial reader that stopped inside a message stays stopped: it used to read the held
    /// start of the cut-off message as further messages.
    @Test func partialReaderStaysFinished() throws {
        let bytes = try FuzzDriver.readFile("\(Self.corpus)/rr-fuzz-stream/crash-next-after-partial-end")
        let outcome = try readStream(FuzzTargets.withChecksumsRecomputed(bytes), partial: true)
        #expect(outcome.endedEarly)
        #expect(outcome.error == nil)
    }
}
