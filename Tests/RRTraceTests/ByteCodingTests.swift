import Testing
import RRCore
import RRTrace

@Suite struct ByteCodingTests {
    @Test func everyPrimitiveRoundTrips() throws {
        var out = ByteWriter()
        out.u8(0); out.u8(0xff)
        out.u32(0); out.u32(0xdead_beef); out.u32(.max)
        out.i32(-1); out.i32(.min); out.i32(.max)
        out.u64(0x0123_4567_89ab_cdef); out.u64(.max)
        out.i64(-2); out.i64(.min)
        out.raw([1, 2, 3])
        out.blob([]); out.blob([9, 9])
        out.string(""); out.string("héllo ✓")
        out.strings([]); out.strings(["a", "", "ünï"])

        var input = ByteReader(out.bytes, what: "test")
        #expect(try input.u8() == 0); #expect(try input.u8() == 0xff)
        #expect(try input.u32() == 0); #expect(try input.u32() == 0xdead_beef); #expect(try input.u32() == .max)
        #expect(try input.i32() == -1); #expect(try input.i32() == .min); #expect(try input.i32() == .max)
        #expect(try input.u64() == 0x0123_4567_89ab_cdef); #expect(try input.u64() == .max)
        #expect(try input.i64() == -2); #expect(try input.i64() == .min)
        #expect(try input.raw(3) == [1, 2, 3])
        #expect(try input.blob() == []); #expect(try input.blob() == [9, 9])
        #expect(try input.string() == ""); #expect(try input.string() == "héllo ✓")
        #expect(try input.strings() == []); #expect(try input.strings() == ["a", "", "ünï"])
        #expect(input.isAtEnd)
        #expect(input.offset == out.bytes.count)
    }

    @Test func valuesAreLittleEndianAndLengthPrefixed() {
        var out = ByteWriter()
        out.u32(0x0102_0304)
        out.u64(0x0102_0304_0506_0708)
        out.i32(-2)
        out.string("ab")
        out.strings(["c"])
        #expect(out.bytes == [4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 0xfe, 0xff, 0xff, 0xff,
                              2, 0, 0, 0, 0x61, 0x62, 1, 0, 0, 0, 1, 0, 0, 0, 0x63])
    }

    @Test func readingPastTheEndThrowsCorruptTrace() {
        var empty = ByteReader([], what: "test data")
        let text = corruptTraceText { _ = try empty.u8() }
        #expect(text?.contains("test data") == true)
        var short = ByteReader([1, 2, 3, 4, 5, 6, 7], what: "test")
        _ = corruptTraceText { _ = try short.u64() }
        var shortU32 = ByteReader([1, 2, 3], what: "test")
        _ = corruptTraceText { _ = try shortU32.u32() }
        var rawTooLong = ByteReader([1, 2], what: "test")
        _ = corruptTraceText { _ = try rawTooLong.raw(3) }
    }

    @Test func aLengthBeyondTheDataThrows() {
        var blob = ByteReader([100, 0, 0, 0, 1, 2, 3], what: "test")
        _ = corruptTraceText { _ = try blob.blob() }
        var hugeBlob = ByteReader([0xff, 0xff, 0xff, 0xff], what: "test")
        _ = corruptTraceText { _ = try hugeBlob.blob() }
        var manyStrings = ByteReader([0xff, 0xff, 0xff, 0x7f], what: "test")
        _ = corruptTraceText { _ = try manyStrings.strings() }
        var fewerStrings = ByteReader([2, 0, 0, 0, 1, 0, 0, 0, 0x61], what: "test")
        _ = corruptTraceText { _ = try fewerStrings.strings() }
    }

    @Test func aStringThatIsNotUTF8Throws() {
        var input = ByteReader([2, 0, 0, 0, 0xc3, 0x28], what: "test")
        let text = corruptTraceText { _ = try input.string() }
        #expect(text?.contains("UTF-8") == true)
    }

    @Test func aFailedReadDoesNotAdvance() throws {
        var input = ByteReader([1, 2, 3], what: "test")
        #expect(try input.u8() == 1)
        _ = corruptTraceText { _ = try input.u32() }
        #expect(input.offset == 1)
        #expect(try input.raw(2) == [2, 3])
        #expect(input.isAtEnd)
    }

    /// A count is checked against the bytes left before anything is reserved for the items.
    @Test func aCountTheBytesCannotHoldThrows() throws {
        var empties = ByteReader([2, 0, 0, 0] + [UInt8](repeating: 0, count: 8), what: "test")
        #expect(try empties.blobs() == [[], []])
        var tooMany = ByteReader([3, 0, 0, 0] + [UInt8](repeating: 0, count: 8), what: "test")
        let text = corruptTraceText { _ = try tooMany.strings() }
        #expect(text?.contains("claims 3 strings but holds only 8 more bytes") == true)
        var writes = ByteReader([1, 0, 0, 0] + [UInt8](repeating: 0, count: 11), what: "test")
        _ = corruptTraceText { _ = try writes.count(of: "memory writes", minimumSize: 12, limit: .max) }
    }
}
