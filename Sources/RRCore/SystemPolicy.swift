#if canImport(Glibc)
import Glibc
#endif

/// The kernel settings that can forbid recording, and the one-line messages that name them and
/// the command that changes them (as rr's do), instead of an errno from deep inside.
public enum SystemPolicy {
    public static let yamaPtraceScope = "/proc/sys/kernel/yama/ptrace_scope"
    public static let perfEventParanoid = "/proc/sys/kernel/perf_event_paranoid"

    /// An integer setting from /proc/sys, or nil where the kernel has none (no Yama, say).
    public static func setting(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &bytes, bytes.count)
        guard n > 0 else { return nil }
        return Int(String(decoding: bytes[0..<n].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
    }

    /// Why the recorder could not trace its child: Yama's ptrace_scope when it forbids it, else a
    /// container's policy (a seccomp profile denying ptrace, a missing CAP_SYS_PTRACE).
    public static func ptraceDenied(yamaScope: Int?) -> String {
        if let scope = yamaScope, scope >= 2 {
            let meaning = scope >= 3 ? "no process may trace another until a reboot" : "only root may trace"
            return "ptrace is not permitted: kernel.yama.ptrace_scope is \(scope) (\(meaning)); `sudo sysctl kernel.yama.ptrace_scope=1` lets you record your own programs"
        }
        return "ptrace is not permitted here (a container or seccomp policy denies it): run the container with --cap-add=SYS_PTRACE and a seccomp profile that allows ptrace (docker: --security-opt seccomp=unconfined)"
    }

    /// Seccomp filters are how syscalls are buffered; without them every syscall is traced.
    public static func seccompUnavailable(errno code: Int32) -> String {
        "warning: seccomp filters are not available here (\(String(cString: strerror(code)))): recording every syscall through ptrace, as with -n (slower); a kernel with CONFIG_SECCOMP_FILTER, or a container that allows seccomp, lets syscalls be buffered"
    }

    /// Whether this process already runs under a seccomp filter (a container's profile, a
    /// sandbox): /proc/self/status says "Seccomp: 2". A filter's refusals (SECCOMP_RET_ERRNO)
    /// take precedence over the preload library's SECCOMP_RET_TRACE, so buffered recording would
    /// never see those calls; traced at their syscall stops, they are recorded like any other.
    public static func underSeccompFilter() -> Bool {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &bytes, bytes.count)
        guard n > 0 else { return false }
        let text = String(decoding: bytes[0..<n], as: UTF8.self)
        return text.split(separator: "\n").contains { $0.hasPrefix("Seccomp:") && $0.hasSuffix("2") }
    }

    public static let underSeccompFilterWarning = "warning: this recording runs under a seccomp filter (a container's or sandbox's policy), whose refusals syscall buffering would not see: recording every syscall through ptrace, as with -n (slower)"

    /// At perf_event_paranoid 3 or more (a Debian and Android extension) users get no perf events
    /// at all; the recording goes on without them, more slowly. Nil where nothing is lost beyond
    /// what an ordinary user always lacks.
    public static func perfEventsDenied(paranoid: Int?, privileged: Bool) -> String? {
        guard let paranoid, paranoid >= 3, !privileged else { return nil }
        return "warning: kernel.perf_event_paranoid is \(paranoid), which denies perf events to users: syscalls that may block are traced instead of buffered (slower); `sudo sysctl kernel.perf_event_paranoid=1` allows them"
    }
}
