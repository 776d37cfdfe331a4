import CZlib
import RRCore

/// zlib deflate/inflate of whole blocks, and CRC-32 for block checksums.
public enum Deflate {
    /// Level 1: recording speed matters more than the last few percent of ratio.
    public static let defaultLevel: Int32 = 1

    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws -> [UInt8] {
        var destinationLength = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &destinationLength, source.baseAddress, uLong(input.count), level)
            }
        }
        guard status == Z_OK else { throw RRError.system(call: "compress2", errno: 0, detail: "zlib status \(status)") }
        output.removeSubrange(Int(destinationLength)...)
        return output
    }

    /// The most raw bytes one stored byte can inflate to: deflate's longest match (258 bytes)
    /// in 2 bits, the 1032:1 limit of the format.
    public static let maximumExpansion = 1032

    /// Inflates a block whose uncompressed size is known from its header. A size the stored
    /// bytes cannot reach is refused before anything is allocated for it.
    public static func decompress(_ input: [UInt8], expectedSize: Int) throws -> [UInt8] {
        guard expectedSize >= 0, expectedSize <= input.count * maximumExpansion else {
            throw RRError.corruptTrace("block claims \(expectedSize) raw bytes, more than its \(input.count) stored bytes can inflate to (zlib)")
        }
        var output = [UInt8](repeating: 0, count: max(expectedSize, 1))
        var destinationLength = uLong(expectedSize)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                uncompress(out.baseAddress, &destinationLength, source.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK, Int(destinationLength) == expectedSize else {
            throw RRError.corruptTrace("block does not inflate to its recorded size (zlib status \(status))")
        }
        output.removeSubrange(expectedSize...)
        return output
    }

    public static func crc32(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(uLong(initial), buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
