import RRCore
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Compressed blocks of file contents, kept between recordings. A program's executable and
/// libraries go into every trace of it, and compressing them is most of what the trace-writer
/// does for a short program; their blocks come out the same each time, so they are compressed
/// once. A file holds one block's stored bytes after their CRC-32; it is named by the content's
/// hash, the compression and its level, the block's index and raw size. A damaged or unreadable
/// entry is ignored (the block is compressed again); the cache never makes a trace differ. Its
/// size is bounded (CacheBudget).
public final class CompressedBlockCache {
    let directory: String
    private let budget: CacheBudget
    /// Contents smaller than this are not worth a file of their own.
    public static let minimumContent = 32 * 1024

    /// Nil (no cache, with a warning) when `directory` cannot be made private to this user: blocks
    /// planted by someone else would go into this user's traces.
    public init?(directory: String, limit: UInt64) {
        do {
            try PrivateDirectory.prepare(directory)
        } catch {
            reportError(tool: "rr-trace-writer", "warning: not using the block cache: \(error)")
            return nil
        }
        self.directory = directory
        budget = CacheBudget(directory: directory, limit: limit, usingEntries: false)
    }

    /// Accounts for the blocks this recording added, trimming the cache if that is due.
    public func finish() { budget.finish() }

    func path(hash: ContentHash, compression: StreamFormat.Compression, index: Int, rawSize: Int) -> String {
        "\(directory)/\(hash.hex)-\(compression.name)\(compression.level)-\(index)-\(rawSize)"
    }

    func load(_ path: String) -> [UInt8]? {
        guard let bytes = try? readWholeFile(path), bytes.count >= 4 else { return nil }
        let stored = Array(bytes[4...])
        guard bytes.loadLittleEndian(UInt32.self, at: 0) == Deflate.crc32(stored) else { return nil }
        CacheBudget.touch(path)
        return stored
    }

    func save(_ stored: [UInt8], to path: String) {
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let data = withUnsafeBytes(of: Deflate.crc32(stored).littleEndian) { Array($0) } + stored
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == data.count && rename(temporary, path) == 0 { budget.added(data.count) } else { unlink(temporary) }
    }

    private func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec, .noFollow])
        defer { try? fd.close() }
        let size = try fd.seek(offset: 0, from: .end)
        guard size <= StreamFormat.maximumBlockSize else { return [] }
        _ = try fd.seek(offset: 0, from: .start)
        return try readUpTo(fd, count: Int(size))
    }
}
