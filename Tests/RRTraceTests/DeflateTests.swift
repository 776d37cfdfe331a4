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
}
