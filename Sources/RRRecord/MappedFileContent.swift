import RRCore
import RRPtrace
import CRRShims

#if canImport(Glibc)
import Glibc
#endif

/// Where the content of an executed or mapped file comes from, for an ordinary user:
/// /proc/PID/map_files, which names every mapping, needs CAP_SYS_ADMIN, so the recorder reopens
/// the file through the program's own descriptor (/proc/TID/fd/N and /proc/TID/exe reach the inode
/// even after it was deleted), duplicates that descriptor when its mode no longer lets the file be
/// opened (pidfd_getfd, allowed to the tracer), and rebuilds ld.so from the pages the kernel mapped
/// when the path it was mapped from no longer names it (replaced by an upgrade).
extension Recorder {
    /// The content of the file the program just mapped through descriptor `fd`; nil for /dev/zero,
    /// which is anonymous memory (replay maps it so).
    func storeMappedDescriptor(_ task: RecordedTask, fd: Int32) throws -> MappedFile? {
        let link = "/proc/\(task.tid)/fd/\(fd)"
        let displayPath = (try? readLink(link)) ?? "?"
        var info = stat()
        guard stat(link, &info) == 0 else { throw RRError.system(call: "stat", errno: errno, detail: link) }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            let own = try openMappedDescriptor(link: link, leader: task.process.leader, fd: fd, displayPath: displayPath)
            defer { close(own) }
            return try files.store(descriptor: own, displayPath: displayPath)
        case S_IFCHR where info.st_rdev == Self.devZero:
            return nil
        default:
            throw RRError.unsupportedSyscall("mmap of \(displayPath), a device other than /dev/zero")
        }
    }

    /// The executable the task has just exec'd. One the user may run but not read cannot be
    /// recorded: the kernel makes such a process undumpable, closing its /proc files to the tracer.
    func storeExecutable(_ task: RecordedTask) throws -> MappedFile {
        let link = "/proc/\(task.tid)/exe"
        let displayPath = (try? readLink(link)) ?? "?"
        let fd = open(link, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RRError.system(call: "open", errno: errno, detail: "\(displayPath); a program that cannot be read cannot be recorded: make it readable (chmod +r)")
        }
        defer { close(fd) }
        return try files.store(descriptor: fd, displayPath: displayPath)
    }

    /// The interpreter (ld.so) the kernel mapped at `mapping` for the exec: opened by the path
    /// the mapping names when that is still the same inode, else rebuilt from its pages.
    func storeInterpreter(_ task: RecordedTask, mapping: Mapping, maps: [Mapping]) throws -> MappedFile {
        let fd = open(mapping.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            var info = stat()
            if fstat(fd, &info) == 0, UInt64(info.st_ino) == mapping.inode, Self.deviceField(info.st_dev) == mapping.device {
                return try files.store(descriptor: fd, displayPath: mapping.path)
            }
        }
        return try files.store(bytes: try rebuildFromMemory(task, file: mapping, maps: maps), displayPath: mapping.path)
    }

    /// A descriptor of the recorder's own for the program's `fd`.
    private func openMappedDescriptor(link: String, leader: Tid, fd: Int32, displayPath: String) throws -> Int32 {
        let reopened = open(link, O_RDONLY | O_CLOEXEC)
        if reopened >= 0 { return reopened }
        let reopenError = errno
        let copy = rr_shim_copy_descriptor(leader.rawValue, fd)
        if copy >= 0 { return copy }
        throw RRError.system(call: "open", errno: reopenError, detail: "\(displayPath) (mapped by the program; pidfd_getfd: \(String(cString: strerror(-copy))))")
    }

    /// The file behind `file`'s mapping as far as the kernel mapped it at exec: every mapping of
    /// the same inode copied to its file offset. What was not mapped (section headers, symbols)
    /// stays zero; the image still executes the same, which is all replay asks of it.
    private func rebuildFromMemory(_ task: RecordedTask, file: Mapping, maps: [Mapping]) throws -> [UInt8] {
        let pieces = maps.filter { $0.inode == file.inode && $0.device == file.device }
        let size = pieces.map { Int($0.offset) + Int($0.end - $0.start) }.max() ?? 0
        var image = [UInt8](repeating: 0, count: size)
        for piece in pieces {
            let bytes = try task.tracee.readMemory(at: piece.start, count: Int(piece.end - piece.start))
            image.replaceSubrange(Int(piece.offset)..<Int(piece.offset) + bytes.count, with: bytes)
        }
        reportError(tool: "rr-supervisor", "warning: \(file.path) cannot be read; its content is taken from the program's memory")
        return image
    }

    /// /dev/zero's device number (char 1:5), encoded as glibc's makedev does.
    private static let devZero: dev_t = (1 << 8) | 5

    /// A device number as /proc/PID/maps prints it ("fd:01").
    private static func deviceField(_ device: dev_t) -> String {
        let value = UInt64(device)  // glibc's encoding: the major in bits 8-19 and 32-63, the minor in 0-7 and 20-31
        let major = String(((value >> 8) & 0xfff) | ((value >> 32) & ~0xfff), radix: 16)
        let minor = String((value & 0xff) | ((value >> 12) & ~0xff), radix: 16)
        return (major.count < 2 ? "0" + major : major) + ":" + (minor.count < 2 ? "0" + minor : minor)
    }
}
