import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// The files a trace carries (executables, ld.so, libraries), written out by content hash so
/// replay can execute them even after the originals changed or vanished. The directory name is
/// short on purpose: a copy of ld.so is named inside the executable's PT_INTERP, which has the
/// length of the original path (27 bytes for /lib64/ld-linux-x86-64.so.2).
final class FileCache {
    let directory: String
    private var known: Set<ContentHash> = []

    init(directory: String = "/tmp/.rrs") throws {
        self.directory = directory
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw RRError.system(call: "mkdir", errno: errno, detail: directory)
        }
    }

    func path(for hash: ContentHash) -> String { "\(directory)/\(hash.hex.prefix(12))" }

    /// Stores file content from the trace, verifying it against its hash unless an earlier replay
    /// already verified and cached exactly this content (the blocks' CRCs cover the transport).
    func store(hash: ContentHash, bytes: [UInt8]) throws {
        if access(path(for: hash), F_OK) == 0 {
            known.insert(hash)
            return
        }
        guard SHA256.hash(bytes) == hash else {
            throw RRError.corruptTrace("stored file \(hash.hex.prefix(12)) does not match its content hash")
        }
        known.insert(hash)
        try writeIfMissing(path(for: hash), bytes)
    }

    /// Recently used file contents: a library's segments are mapped one by one, each filled from
    /// the same file. Bounded, so that replay memory does not grow with the trace.
    private var recent: [(hash: ContentHash, bytes: [UInt8])] = []
    private static let recentLimit = 64 << 20

    func contents(of hash: ContentHash) throws -> [UInt8] {
        guard known.contains(hash) else { throw RRError.corruptTrace("event refers to file \(hash.hex.prefix(12)) that the trace does not carry") }
        if let hit = recent.firstIndex(where: { $0.hash == hash }) {
            let entry = recent.remove(at: hit)
            recent.append(entry)
            return entry.bytes
        }
        let bytes = try ProcFiles.read(path(for: hash))
        recent.append((hash, bytes))
        while recent.count > 1 && recent.reduce(0, { $0 + $1.bytes.count }) > Self.recentLimit { recent.removeFirst() }
        return bytes
    }

    /// An executable copy of `exec`'s program whose PT_INTERP names the cached copy of the
    /// recorded interpreter. Returns its path and the original PT_INTERP bytes with their file offset,
    /// which replay writes back into memory right after the exec.
    func executable(for exec: ExecEvent) throws -> (path: String, interpreterPatch: (offset: Int, bytes: [UInt8])?) {
        let key = exec.executable.hash.hex + (exec.interpreter?.hash.hex ?? "")
        if let prepared = preparedExecutables[key] { return prepared }
        let prepared = try prepareExecutable(for: exec)
        preparedExecutables[key] = prepared
        return prepared
    }

    /// Executables already prepared in this replay (a build execs cc1 once per source file).
    private var preparedExecutables: [String: (path: String, interpreterPatch: (offset: Int, bytes: [UInt8])?)] = [:]

    private func prepareExecutable(for exec: ExecEvent) throws -> (path: String, interpreterPatch: (offset: Int, bytes: [UInt8])?) {
        var image = try contents(of: exec.executable.hash)
        guard let interpreter = exec.interpreter else {
            let path = self.path(for: exec.executable.hash) + "x"
            try writeIfMissing(path, image)
            return (path, nil)
        }
        guard let elf = ElfImage(image), let segment = elf.interpreter else {
            throw RRError.incompatible("\(exec.executable.path) has an interpreter but no PT_INTERP")
        }
        let interpreterCopy = path(for: interpreter.hash)
        guard known.contains(interpreter.hash) else { throw RRError.corruptTrace("the trace does not carry \(interpreter.path)") }
        let replacement = Array(interpreterCopy.utf8)
        guard replacement.count < segment.size else {
            throw RRError.incompatible("interpreter path \(segment.path) is too short to point at the cached copy \(interpreterCopy)")
        }
        let original = Array(image[segment.fileOffset..<segment.fileOffset + segment.size])
        let padded = replacement + [UInt8](repeating: 0, count: segment.size - replacement.count)
        image.replaceSubrange(segment.fileOffset..<segment.fileOffset + segment.size, with: padded)
        let path = self.path(for: exec.executable.hash) + "-" + interpreter.hash.hex.prefix(8)
        try writeIfMissing(path, image)
        return (path, (segment.fileOffset, original))
    }

    /// Writes a file once, atomically (temporary name, then rename), executable.
    private func writeIfMissing(_ path: String, _ bytes: [UInt8]) throws {
        if access(path, F_OK) == 0 { return }
        let temporary = "\(path).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        if fd < 0 { throw RRError.system(call: "open", errno: errno, detail: temporary) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let saved = errno
                close(fd)
                throw RRError.system(call: "write", errno: saved, detail: temporary)
            }
            written += n
        }
        close(fd)
        if rename(temporary, path) != 0 { throw RRError.system(call: "rename", errno: errno, detail: path) }
    }
}
