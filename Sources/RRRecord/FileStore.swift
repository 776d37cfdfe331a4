import RRCore
import RRPtrace
import RRTrace

/// Puts the content of every file the program maps into the trace, each distinct content once.
final class FileStore {
    private let sink: PipeSink
    private var sent: Set<ContentHash> = []

    init(sink: PipeSink) { self.sink = sink }

    /// Reads `contentPath` (a /proc path that reaches the file even if it was deleted), sends its
    /// content if new, and describes it under `displayPath`.
    func store(contentPath: String, displayPath: String) throws -> MappedFile {
        let bytes = try ProcFiles.read(contentPath)
        let hash = SHA256.hash(bytes)
        if sent.insert(hash).inserted {
            try sink.send(.fileContent(hash: hash, bytes: bytes))
        }
        return MappedFile(path: displayPath, hash: hash, size: UInt64(bytes.count))
    }
}
