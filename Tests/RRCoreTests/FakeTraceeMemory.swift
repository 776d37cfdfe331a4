import RRCore

/// Tracee memory for model tests: a few regions at chosen addresses; reading outside them throws.
struct FakeTraceeMemory: TraceeMemoryReader {
    struct OutOfBounds: Error { let address: RemoteAddress, count: Int }
    var regions: [RemoteAddress: [UInt8]] = [:]

    /// An iovec array (base, length pairs of little-endian u64) stored at `address`.
    static func iovecs(at address: RemoteAddress, _ entries: [(base: UInt64, length: UInt64)]) -> FakeTraceeMemory {
        var bytes: [UInt8] = []
        for entry in entries {
            withUnsafeBytes(of: entry.base.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: entry.length.littleEndian) { bytes += $0 }
        }
        return FakeTraceeMemory(regions: [address: bytes])
    }

    func readBytes(at address: RemoteAddress, count: Int) throws -> [UInt8] {
        for (start, bytes) in regions where address >= start && address + UInt64(count) <= start + UInt64(bytes.count) {
            let offset = Int(address - start)
            return Array(bytes[offset..<offset + count])
        }
        throw OutOfBounds(address: address, count: count)
    }
}

/// Memory that must not be read: the model should not need it for the call under test.
struct NoTraceeMemory: TraceeMemoryReader {
    struct Unexpected: Error {}
    func readBytes(at address: RemoteAddress, count: Int) throws -> [UInt8] { throw Unexpected() }
}

/// A process whose descriptor table has `size` entries, and no memory to read.
struct DescriptorTableOnly: TraceeMemoryReader {
    var size: Int
    func readBytes(at address: RemoteAddress, count: Int) throws -> [UInt8] { throw NoTraceeMemory.Unexpected() }
    func descriptorTableSize() -> Int? { size }
}
