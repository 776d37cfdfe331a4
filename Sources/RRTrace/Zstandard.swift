import CZstd
import RRCore

/// Zstandard compression of whole blocks, the stream's default (StreamFormat.Compression).
public enum Zstandard {
    /// Level 1: level 3 makes traces of code and libraries a tenth smaller, but compresses them
    /// at about half the speed, enough to slow the recording of a program that reads them fast;
    /// the negative levels drop the entropy coding that text needs; incompressible input is
    /// stored as raw blocks at every level (measured in protocol/README.md, section 6.3.1).
    public static let level: Int32 = 1

    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { source in
                ZSTD_compress(out.baseAddress, out.count, source.baseAddress, source.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else {
            throw RRError.system(call: "ZSTD_compress", errno: 0, detail: String(cString: ZSTD_getErrorName(written)))
        }
        output.removeSubrange(written...)
        return output
    }

    /// The most raw bytes one stored byte can decompress to: an RLE block (a 3-byte header and
    /// the byte) stands for at most 128 KiB.
    public static let maximumExpansion = 32 * 1024

    /// Decompresses a block that must be exactly one frame of `expectedSize` bytes. A size the
    /// stored bytes cannot reach is refused before anything is allocated for it.
    public static func decompress(_ input: [UInt8], expectedSize: Int) throws -> [UInt8] {
        guard expectedSize >= 0, expectedSize <= input.count * maximumExpansion else {
            throw RRError.corruptTrace("block claims \(expectedSize) raw bytes, more than its \(input.count) stored bytes can decompress to (zstd)")
        }
        let frameSize = input.withUnsafeBytes { ZSTD_findFrameCompressedSize($0.baseAddress, $0.count) }
        guard ZSTD_isError(frameSize) == 0, frameSize == input.count else {
            throw RRError.corruptTrace("block is not exactly one Zstandard frame")
        }
        var output = [UInt8](repeating: 0, count: max(expectedSize, 1))
        let size = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { source in
                ZSTD_decompress(out.baseAddress, expectedSize, source.baseAddress, source.count)
            }
        }
        guard ZSTD_isError(size) == 0, size == expectedSize else {
            throw RRError.corruptTrace("block does not decompress to its recorded size (zstd)")
        }
        output.removeSubrange(expectedSize...)
        return output
    }
}
