import RRCore
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// Large reads from regular files go into the trace by content (`StoredWrite`) instead of inline.
/// Inline, `sort` reading its 200 MB input in one read() made one 200 MB message, held whole by
/// the supervisor, the writer and the replayer, and compressed again in every recording. In
/// pieces of `pieceSize` the memory of each process stays bounded, each distinct piece goes into
/// the trace once, and the writer's block cache keeps its compressed blocks, so recording the
/// same input again compresses nothing. The pieces are what the program received, read from
/// its memory, not from the file, so a file changed meanwhile cannot make the trace wrong.
extension Recorder {
    /// Ranges shorter than this stay inline: a piece costs a hash, a message and a file in the
    /// replay cache, and the writer's block cache keeps no content smaller than this either.
    static let storedReadMinimum = CompressedBlockCache.minimumContent
    static let storedPieceSize = 1 << 20

    /// The calls whose output comes from the file open as `arguments[0]`.
    private static let fileReads: Set<SyscallNumber> = [.read, .pread64, .readv, .preadv, .preadv2]

    /// `event.writes` for the written `ranges`, with the large ones of a read from a regular file
    /// moved to `event.storedWrites`.
    func recordWrites(_ ranges: [MemoryRange], into event: inout SyscallEvent, task: RecordedTask) throws {
        let large = Self.fileReads.contains(event.number) && ranges.contains { $0.length >= Self.storedReadMinimum }
            && isRegularFile(task, descriptor: event.arguments[0])
        for range in ranges {
            if large && range.length >= Self.storedReadMinimum {
                event.storedWrites.append(try storeRead(range, task: task))
            } else {
                event.writes.append(MemoryWrite(address: range.address, bytes: try task.tracee.readMemory(at: range.address, count: range.length)))
            }
        }
    }

    private func storeRead(_ range: MemoryRange, task: RecordedTask) throws -> StoredWrite {
        var pieces: [StoredWrite.Piece] = []
        var offset = 0
        while offset < range.length {
            let size = min(Self.storedPieceSize, range.length - offset)
            let bytes = try task.tracee.readMemory(at: range.address + UInt64(offset), count: size)
            let stored = try files.store(bytes: bytes, displayPath: "read data")
            pieces.append(StoredWrite.Piece(hash: stored.hash, size: UInt32(size)))
            offset += size
        }
        return StoredWrite(address: range.address, pieces: pieces)
    }

    private func isRegularFile(_ task: RecordedTask, descriptor: UInt64) -> Bool {
        guard let fd = Int32(exactly: descriptor) else { return false }
        var info = stat()
        return stat("/proc/\(task.tid)/fd/\(fd)", &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }
}
