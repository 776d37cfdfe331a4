#if canImport(Glibc)
import Glibc
#endif

/// Directories that only this user can reach. A replay executes files from its cache, and traces
/// and the block cache hold everything a program read (its environment, file contents, keys), so
/// none of them may be a directory another user created, can write to, or can swap for a symlink.
public enum PrivateDirectory {
    /// Why a directory is not private, or nil when it is: a real directory (not a symlink) owned
    /// by this user with no access for group or others, in a parent that no other user can
    /// rename it out of (owned by this user or root, and not writable by others unless sticky,
    /// as /tmp is).
    public static func problem(with path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "it cannot be examined: \(String(cString: strerror(errno)))" }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "it is not a directory (a symlink or file is in its place)" }
        guard info.st_uid == geteuid() else { return "it belongs to uid \(info.st_uid), not to this user (uid \(geteuid()))" }
        guard info.st_mode & 0o077 == 0 else { return "its mode is \(String(info.st_mode & 0o7777, radix: 8)); others have access" }
        var parent = stat()
        guard lstat(parentPath(of: path), &parent) == 0 else { return "its parent cannot be examined" }
        guard parent.st_uid == geteuid() || parent.st_uid == 0 else { return "its parent belongs to uid \(parent.st_uid)" }
        guard parent.st_mode & 0o022 == 0 || parent.st_mode & S_ISVTX != 0 else { return "others may rename entries of its parent" }
        return nil
    }

    /// Creates `path` (and missing parents) with mode 0700 and checks that it is private;
    /// throws, naming the problem, when it is not.
    public static func prepare(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw RRError.system(call: "mkdir", errno: errno, detail: current)
            }
        }
        // Older versions made caches 0755: readable by others, but no one else could have
        // written to them, so they are closed rather than refused.
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 {
            chmod(path, 0o700)
        }
        if let problem = problem(with: path) {
            throw RRError.usage("\(path) is not a private directory: \(problem); remove it or choose another")
        }
    }

    /// A new private directory under /tmp whose name starts with `prefix` (mkdtemp); the caller
    /// removes it when done.
    public static func temporary(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw RRError.system(call: "mkdtemp", errno: errno, detail: "/tmp/\(prefix)XXXXXX") }
        return String(cString: made)
    }

    /// Removes a directory made by `temporary` and the plain files in it.
    public static func remove(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// `$XDG_CACHE_HOME/rr-swift/NAME`, or `~/.cache/rr-swift/NAME` (the same rule as bin/rr-launch).
    public static func userCache(_ name: String) -> String {
        if let cache = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), cache.hasPrefix("/") {
            return "\(cache)/rr-swift/\(name)"
        }
        return "\(homeDirectory())/.cache/rr-swift/\(name)"
    }

    private static func homeDirectory() -> String {
        if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty { return home }
        if let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        return "/tmp"
    }

    private static func parentPath(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
