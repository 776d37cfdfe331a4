import Testing
import RRCore
import RRTrace

@Suite struct DeflateTests {
    static let inputs: [(String, [UInt8])] = [
        ("empty", []),
        ("one byte", [42]),
        ("repetitive", [UInt8](repeating: 7, count: 100_000)),
        ("random", pseudoRandomBytes(70_000)),
        ("text", Array(String(repeating: "the quick brown fox jumps over the lazy dog\n", count: 500).utf8)),
    ]

    @Test(arguments: inputs.map(\.0))
    func roundTrip(name: String) throws {
        let input = try #require(Self.inputs.first { $0.0 == name }?.1)
        let compressed = try Deflate.compress(input)
        #expect(try Deflate.decompress(compressed, expectedSize: input.count) == input)
        #expect(try Deflate.decompress(try Deflate.compress(input, level: 9), expectedSize: input.count) == input)
    }

    @Test func repetitiveDataShrinks() throws {
        #expect(try Deflate.compress([UInt8](repeating: 7, count: 100_000)).count < 1000)
    }

    @Test(arguments: [0, 1, 99_999, 100_001, 200_000])
    func wrongExpectedSizeThrows(expectedSize: Int) throws {
        let compressed = try Deflate.compress(pseudoRandomBytes(100_000))
        let text = corruptTraceText { _ = try Deflate.decompress(compressed, expectedSize: expectedSize) }
        #expect(text?.contains("recorded size") == true)
    }

    @Test func garbageDoesNotInflate() throws {
        _ = corruptTraceText { _ = try Deflate.decompress(pseudoRandomBytes(100), expectedSize: 100) }
        let compressed = try Deflate.compress(Array("hello hello hello".utf8))
        _ = corruptTraceText { _ = try Deflate.decompress(Array(compressed.dropLast(3)), expectedSize: 17) }
    }

    /// The most compressible input (zeros, level 9) stays within the ratio the reader allows, so
    /// the bound refuses only sizes no stored bytes could reach.
    @Test func theBestRatioIsWithinTheBound() throws {
        let zeros = [UInt8](repeating: 0, count: 16 << 20)
        let zlib = try Deflate.compress(zeros, level: 9)
        #expect(zlib.count * Deflate.maximumExpansion >= zeros.count)
        #expect(try Deflate.decompress(zlib, expectedSize: zeros.count) == zeros)
        let zstd = try Zstandard.compress(zeros)
        #expect(zstd.count * Zstandard.maximumExpansion >= zeros.count)
        #expect(try Zstandard.decompress(zstd, expectedSize: zeros.count) == zeros)
    }

    @Test func aSizeTheStoredBytesCannotReachIsRefused() throws {
        let zlib = try Deflate.compress([1, 2, 3])
        let zlibText = corruptTraceText { _ = try Deflate.decompress(zlib, expectedSize: 256 << 20) }
        #expect(zlibText?.contains("more than its \(zlib.count) stored bytes can inflate to") == true)
        let zstd = try Zstandard.compress([1, 2, 3])
        let zstdText = corruptTraceText { _ = try Zstandard.decompress(zstd, expectedSize: 256 << 20) }
        #expect(zstdText?.contains("more than its \(zstd.count) stored bytes can decompress to") == true)
    }

    @Test func aZstandardBlockIsExactlyOneFrame() throws {
        let frame = try Zstandard.compress(Array("hello".utf8))
        let twoFrames = corruptTraceText { _ = try Zstandard.decompress(frame + frame, expectedSize: 10) }
        #expect(twoFrames?.contains("exactly one Zstandard frame") == true)
        _ = corruptTraceText { _ = try Zstandard.decompress(frame + [0], expectedSize: 5) }
        #expect(try Zstandard.decompress(frame, expectedSize: 5) == Array("hello".utf8))
    }
}
