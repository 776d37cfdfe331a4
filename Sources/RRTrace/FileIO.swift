import RRCore
import SystemPackage

/// Reads exactly `count` bytes unless the input ends first; retries EINTR. The buffer grows as
/// bytes arrive (at most `readChunk` at a time), so a length field claiming far more than the
/// input holds costs no more memory than the input itself.
func readUpTo(_ fd: FileDescriptor, count: Int) throws -> [UInt8] {
    var result = [UInt8]()
    while result.count < count {
        let filled = result.count
        let want = min(count - filled, readChunk)
        result += repeatElement(0, count: want)
        let n = try result.withUnsafeMutableBytes { buffer in
            try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + want]), retryOnInterrupt: true)
        }
        result.removeSubrange((filled + n)...)
        if n == 0 { break }
    }
    return result
}

/// The most `readUpTo` adds to its buffer before the bytes are there.
let readChunk = 1 << 20

/// Wraps an `Errno` from swift-system into the tools' error type, naming the operation.
func describing<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as Errno {
        throw RRError.system(call: operation, errno: error.rawValue, detail: "")
    }
}
