/// Every failure the tools report to a user. `description` is the one-line message printed
/// before a non-zero exit; it says what happened and, where there is one, what to do.
public enum RRError: Error, CustomStringConvertible, Sendable {
    /// A system call of the supervisor or replayer itself failed.
    case system(call: String, errno: Int32, detail: String)
    /// The recorded program made a syscall (or ioctl, prctl, ... operation) the model does not cover.
    case unsupportedSyscall(String)
    /// The trace stream is malformed: bad magic, checksum, truncation, unknown message.
    case corruptTrace(String)
    /// The trace was written in another format version (newer, unknown, or older).
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// Replay did not do what the recording did.
    case divergence(event: UInt64, tid: Tid, expected: String, actual: String)
    /// The machine cannot replay this trace (other CPU model, missing file, ...).
    case incompatible(String)
    /// A user-facing usage problem (missing program, bad argument).
    case usage(String)

    public var description: String {
        switch self {
        case let .system(call, errno, detail):
            let reason = String(cString: strerror(errno))
            return detail.isEmpty ? "\(call) failed: \(reason)" : "\(call) failed (\(detail)): \(reason)"
        case let .unsupportedSyscall(what):
            return "unsupported syscall: \(what); recording stopped (this program needs support for it)"
        case let .corruptTrace(what):
            return "corrupt trace: \(what)"
        case let .unsupportedVersion(found, supported):
            if found < supported {
                return "trace format version \(found) was written by an older rr-swift (this build reads version \(supported) only); record the program again, or replay it with the rr-swift that recorded it"
            }
            return "trace format version \(found) is not supported (this build reads version \(supported)); use a newer rr-swift"
        case let .divergence(event, tid, expected, actual):
            return "replay diverged at event \(event) (tid \(tid)): expected \(expected), got \(actual)"
        case let .incompatible(what):
            return "cannot replay on this machine: \(what)"
        case let .usage(what):
            return what
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Prints "tool: message" as one line on stderr: the only way the tools report a failure.
public func reportError(tool: String, _ message: String) {
    let line = Array("\(tool): \(message)\n".utf8)
    var written = 0
    while written < line.count {
        let n = line.withUnsafeBytes { write(2, $0.baseAddress! + written, line.count - written) }
        if n <= 0 { return }
        written += n
    }
}
