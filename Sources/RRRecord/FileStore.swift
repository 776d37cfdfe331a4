import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// Puts the content of every file the program maps into the trace, each distinct content once.
final class FileStore {
    private let sink: PipeSink
    private var sent: Set<ContentHash> = []
    /// Files already hashed, by identity and version: a compiler driver execs cc1 and as many
    /// times, and each would otherwise be read and hashed again.
    private var known: [FileIdentity: (hash: ContentHash, size: UInt64)] = [:]

    struct FileIdentity: Hashable {
        var device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int
    }

    init(sink: PipeSink) { self.sink = sink }

    /// Reads `contentPath` (a /proc path that reaches the file even if it was deleted), sends its
    /// content if new, and describes it under `displayPath`.
    func store(contentPath: String, displayPath: String) throws -> MappedFile {
        var info = stat()
        let identity: FileIdentity? = stat(contentPath, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
            ? FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                           modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
            : nil
        if let identity, let cached = known[identity] {
            return MappedFile(path: displayPath, hash: cached.hash, size: cached.size)
        }
        let bytes = try ProcFiles.read(contentPath)
        let hash = SHA256.hash(bytes)
        if sent.insert(hash).inserted {
            try sink.send(.fileContent(hash: hash, bytes: bytes))
        }
        if let identity, identity.size == Int64(bytes.count) { known[identity] = (hash, UInt64(bytes.count)) }
        return MappedFile(path: displayPath, hash: hash, size: UInt64(bytes.count))
    }
}
