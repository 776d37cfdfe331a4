import RRCore
import RRPtrace
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// The files a trace carries (executables, ld.so, libraries), written out by content hash so
/// replay can execute them even after the originals changed or vanished. Replay executes what is
/// here, so both directories are private to the user (PrivateDirectory), files are opened without
/// following symlinks, and a file already present is used only when its content is exactly the
/// trace's. The copy of ld.so is named inside the executable's PT_INTERP, which has the length of
/// the original path (27 bytes for /lib64/ld-linux-x86-64.so.2), so it lives in a second private
/// directory with a short name, /tmp/.rrs-UID; if someone else holds that name, a fresh
/// directory made for this replay (and removed after it) takes its place. The cache's size is
/// bounded (CacheBudget); while the replay runs no other process trims it.
final class FileCache {
    let directory: String
    private let budget: CacheBudget
    private let interpreterDirectory: String
    private let interpreterDirectoryIsTemporary: Bool
    private var known: Set<ContentHash> = []

    init(directory: String, limit: UInt64, interpreterDirectory short: String) throws {
        self.directory = directory
        try PrivateDirectory.prepare(directory)
        budget = CacheBudget(directory: directory, limit: limit, usingEntries: true)
        if mkdir(short, 0o700) != 0 && errno != EEXIST {
            throw RRError.system(call: "mkdir", errno: errno, detail: short)
        }
        if let problem = PrivateDirectory.problem(with: short) {
            interpreterDirectory = try PrivateDirectory.temporary(prefix: ".rrs")
            interpreterDirectoryIsTemporary = true
            reportError(tool: "rr-replayer", "warning: not using \(short): \(problem); using \(interpreterDirectory) for this replay")
        } else {
            interpreterDirectory = short
            interpreterDirectoryIsTemporary = false
        }
    }

    deinit {
        if interpreterDirectoryIsTemporary { PrivateDirectory.remove(interpreterDirectory) }
    }

    func path(for hash: ContentHash) -> String { "\(directory)/\(hash.hex)" }

    /// Accounts for the files this replay added, trimming the cache if that is due, and lets other
    /// processes trim it: the replay must not use the cache after this.
    func finish() { budget.finish() }

    /// Stores file content from the trace after checking it against its hash.
    func store(hash: ContentHash, bytes: [UInt8]) throws {
        guard SHA256.hash(bytes) == hash else {
            throw RRError.corruptTrace("stored file \(hash.hex.prefix(12)) does not match its content hash")
        }
        known.insert(hash)
        try writeUnlessPresent(path(for: hash), bytes)
    }

    /// Recently used file contents: a library's segments are mapped one by one, each filled from
    /// the same file. Bounded, so that replay memory does not grow with the trace.
    private var recent: [(hash: ContentHash, bytes: [UInt8])] = []
    private static let recentLimit = 64 << 20

    /// The cached copy of content `hash`, for the replayed program to map.
    func mappablePath(for hash: ContentHash) throws -> String {
        guard known.contains(hash) else { throw RRError.corruptTrace("event refers to file \(hash.hex.prefix(12)) that the trace does not carry") }
        return path(for: hash)
    }

    /// The content `hash`; kept among the recent ones unless `keepingRecent` is false (a piece of
    /// read data, copied into memory once).
    func contents(of hash: ContentHash, keepingRecent: Bool = true) throws -> [UInt8] {
        guard known.contains(hash) else { throw RRError.corruptTrace("event refers to file \(hash.hex.prefix(12)) that the trace does not carry") }
        if let hit = recent.firstIndex(where: { $0.hash == hash }) {
            let entry = recent.remove(at: hit)
            recent.append(entry)
            return entry.bytes
        }
        let bytes = try Self.readIfOurs(path(for: hash)) ?? { throw RRError.incompatible("the cached copy of file \(hash.hex.prefix(12)) changed during the replay") }()
        guard keepingRecent else { return bytes }
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
            try writeUnlessPresent(path, image)
            return (path, nil)
        }
        guard let elf = ElfImage(image), let segment = elf.interpreter else {
            throw RRError.incompatible("\(exec.executable.path) has an interpreter but no PT_INTERP")
        }
        guard known.contains(interpreter.hash) else { throw RRError.corruptTrace("the trace does not carry \(interpreter.path)") }
        let interpreterCopy = "\(interpreterDirectory)/\(interpreter.hash.hex.prefix(8))"
        try writeUnlessPresent(interpreterCopy, try contents(of: interpreter.hash))
        let replacement = Array(interpreterCopy.utf8)
        guard replacement.count < segment.size else {
            throw RRError.incompatible("interpreter path \(segment.path) is too short to point at the cached copy \(interpreterCopy)")
        }
        let original = Array(image[segment.fileOffset..<segment.fileOffset + segment.size])
        let padded = replacement + [UInt8](repeating: 0, count: segment.size - replacement.count)
        image.replaceSubrange(segment.fileOffset..<segment.fileOffset + segment.size, with: padded)
        let path = self.path(for: exec.executable.hash) + "-" + interpreter.hash.hex.prefix(16)
        try writeUnlessPresent(path, image)
        return (path, (segment.fileOffset, original))
    }

    /// Makes `path` hold exactly `bytes`: a file already there (an earlier replay's) is kept only
    /// if it is ours and identical; anything else is replaced atomically (temporary name, then
    /// rename). The files are executable by their owner only.
    private func writeUnlessPresent(_ path: String, _ bytes: [UInt8]) throws {
        if let present = Self.readIfOurs(path), present.hasSameBytes(as: bytes) {
            CacheBudget.touch(path)
            return
        }
        let temporary = "\(path).\(getpid()).tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o700)
        if fd < 0 { throw RRError.system(call: "open", errno: errno, detail: temporary) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let saved = errno
                close(fd)
                unlink(temporary)
                throw RRError.system(call: "write", errno: saved, detail: temporary)
            }
            written += n
        }
        close(fd)
        if rename(temporary, path) != 0 { throw RRError.system(call: "rename", errno: errno, detail: path) }
        budget.added(bytes.count)
    }

    /// The content of `path` if it is a regular file (not a symlink) that this user owns and no
    /// one else may write.
    private static func readIfOurs(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            done += n
        }
        return bytes
    }
}
