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

    /// Where each stored ELF file's code has RDRAND or RDSEED (file offsets), found as it is read.
    private var randomInstructions: [ContentHash: [Int]] = [:]

    struct FileIdentity: Hashable {
        var device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int
    }

    init(sink: PipeSink) { self.sink = sink }

    /// Stores the regular file open as `descriptor` (the recorder's own), read with pread: the
    /// descriptor may be a copy of the program's, whose file offset must not move.
    func store(descriptor: Int32, displayPath: String) throws -> MappedFile {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw RRError.system(call: "fstat", errno: errno, detail: displayPath) }
        let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                                    modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
        if let cached = known[identity] { return MappedFile(path: displayPath, hash: cached.hash, size: cached.size) }
        let bytes = try Self.readWhole(descriptor, displayPath: displayPath)
        let file = try store(bytes: bytes, displayPath: displayPath)
        if randomInstructions[file.hash] == nil { randomInstructions[file.hash] = RandomInstructionSites.find(in: bytes) }
        if identity.size == Int64(bytes.count) { known[identity] = (file.hash, file.size) }
        return file
    }

    /// The file offsets of RDRAND and RDSEED instructions in a file stored from a descriptor.
    func randomInstructionOffsets(of file: MappedFile) -> [Int] { randomInstructions[file.hash] ?? [] }

    /// Stores content the recorder assembled itself (a file rebuilt from the program's memory).
    func store(bytes: [UInt8], displayPath: String) throws -> MappedFile {
        let hash = SHA256.hash(bytes)
        if sent.insert(hash).inserted {
            try sink.send(.fileContent(hash: hash, bytes: bytes))
        }
        return MappedFile(path: displayPath, hash: hash, size: UInt64(bytes.count))
    }

    /// Everything up to end of file; it grows by what the kernel returns, not by the size stat
    /// claimed (a file may change while it is read). Read straight into the result, sized by
    /// fstat: a library is one or two reads, not dozens of 64 KiB pieces appended.
    private static func readWhole(_ descriptor: Int32, displayPath: String) throws -> [UInt8] {
        var info = stat()
        let expected = fstat(descriptor, &info) == 0 ? max(Int(info.st_size), 0) : 0
        var result = [UInt8](repeating: 0, count: expected + 1)  // one byte more, to see the end without another call
        var length = 0
        while true {
            if length == result.count { result += [UInt8](repeating: 0, count: max(result.count, 1 << 16)) }
            let n = result.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + length, $0.count - length, off_t(length)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RRError.system(call: "read", errno: errno, detail: displayPath)
            }
            if n == 0 {
                result.removeSubrange(length...)
                return result
            }
            length += n
        }
    }
}
