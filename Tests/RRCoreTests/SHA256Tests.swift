import Testing
import RRCore

/// SHA-256 against FIPS 180-4 vectors and against python3's hashlib for inputs around the
/// 55/56/64-byte padding boundaries, where a padding mistake shows up.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func fipsVectors(message: String, expected: String) {
        #expect(SHA256.hash(Array(message.utf8)).hex == expected)
    }

    @Test func oneMillionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hash(message).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Byte i of the input is (7 * i + 3) mod 256. Expected values from
    /// `hashlib.sha256(bytes((i*7+3) & 0xff for i in range(n))).hexdigest()`.
    static func boundaryInput(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) } }

    @Test(arguments: [
        (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"),
        (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"),
        (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"),
        (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"),
        (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"),
    ])
    func paddingBoundaries(length: Int, expected: String) {
        #expect(SHA256.hash(Self.boundaryInput(length)).hex == expected)
    }

    /// Byte i is (31 * i + 1) mod 256; python3 hashlib gives the expected value.
    @Test(arguments: [[1000], [1, 999], [63, 1, 936], [64, 64, 872], [65, 0, 935], [3, 61, 64, 1, 871],
                      [500, 500], Array(repeating: 1, count: 1000), Array(repeating: 7, count: 142) + [6]])
    func chunkedUpdatesEqualOneShot(chunkSizes: [Int]) {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 31 + 1) }
        #expect(chunkSizes.reduce(0, +) == message.count)
        var hasher = SHA256()
        var start = 0
        for size in chunkSizes {
            hasher.update(Array(message[start..<start + size]))
            start += size
        }
        let chunked = hasher.finalize()
        #expect(chunked == SHA256.hash(message))
        #expect(chunked.hex == "d028495fd3bbf57a2e876cdb15519a8aefcb9d0ec9bd35da28a1be9176c84b54")
    }

    @Test func hexIsLowercaseAndSixtyFourDigits() {
        let hex = SHA256.hash([0xff]).hex
        #expect(hex.count == 64)
        #expect(hex.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(SHA256.hash([0xff]).description == hex)
    }
}
