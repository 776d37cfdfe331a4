import RRCore
import SystemPackage

/// Reads exactly `count` bytes unless the input ends first; retries EINTR.
func readUpTo(_ fd: FileDescriptor, count: Int) throws -> [UInt8] {
    var result = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
        let n = try result.withUnsafeMutableBytes { buffer in
            try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), retryOnInterrupt: true)
        }
        if n == 0 { break }
        filled += n
    }
    result.removeSubrange(filled...)
    return result
}

/// Wraps an `Errno` from swift-system into the tools' error type, naming the operation.
func describing<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as Errno {
        throw RRError.system(call: operation, errno: error.rawValue, detail: "")
    }
}
