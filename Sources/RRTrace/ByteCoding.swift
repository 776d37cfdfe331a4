import RRCore

/// Appends little-endian values to a byte array: the one encoder behind every message.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }
    public mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    public mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
    public mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    public mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    public mutating func raw(_ value: [UInt8]) { bytes += value }
    public var count: Int { bytes.count }
    /// Overwrites the four bytes at `offset` (a length known only after what follows it).
    public mutating func setU32(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + 4, with: $0) }
    }
    /// Empties the writer, keeping its storage for what comes next.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
    /// A u32 length followed by the bytes.
    public mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes += value
    }
    public mutating func string(_ value: String) { blob(Array(value.utf8)) }
    /// A u32 count followed by that many blobs (byte strings that need not be UTF-8).
    public mutating func blobs(_ values: [[UInt8]]) {
        u32(UInt32(values.count))
        values.forEach { blob($0) }
    }
    public mutating func strings(_ values: [String]) {
        u32(UInt32(values.count))
        values.forEach { string($0) }
    }
}

/// Reads little-endian values from bytes, throwing `corruptTrace` instead of reading past the end.
public struct ByteReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    private let what: String

    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.offset = 0
        self.what = what
    }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    /// Reads a count of items that take at least `minimumSize` bytes each, refusing one the
    /// remaining bytes cannot hold before anything is allocated for the items.
    public mutating func count(of items: String, minimumSize: Int, limit: UInt32 = 1 << 20) throws -> Int {
        let count = try u32()
        guard count <= limit else { throw RRError.corruptTrace("\(what) claims \(count) \(items)") }
        guard Int(count) * minimumSize <= remaining else {
            throw RRError.corruptTrace("\(what) claims \(count) \(items) but holds only \(remaining) more bytes")
        }
        return Int(count)
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw RRError.corruptTrace("\(what) ends early (wanted \(count) bytes at offset \(offset) of \(bytes.count))")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func u8() throws -> UInt8 { try take(1).first! }
    public mutating func u32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    public mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
    public mutating func u64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    public mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
    public mutating func raw(_ count: Int) throws -> [UInt8] { Array(try take(count)) }
    public mutating func blob() throws -> [UInt8] { try raw(Int(try u32())) }
    public mutating func string() throws -> String {
        let data = try blob()
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RRError.corruptTrace("\(what) holds a string that is not UTF-8")
        }
        return text
    }
    public mutating func blobs() throws -> [[UInt8]] {
        try (0..<count(of: "byte strings", minimumSize: 4)).map { _ in try blob() }
    }
    public mutating func strings() throws -> [String] {
        try (0..<count(of: "strings", minimumSize: 4)).map { _ in try string() }
    }
}
