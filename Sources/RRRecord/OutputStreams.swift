import RRCore

/// Tracks which file descriptors of the recorded program still refer to the stdout and stderr it
/// inherited, through dup, dup2, dup3, fcntl(F_DUPFD) and close, so that replay knows which
/// writes to echo and where.
struct OutputStreams {
    private var streams: [UInt64: OutputStream] = [1: .stdout, 2: .stderr]

    func stream(forDescriptor fd: UInt64) -> OutputStream { streams[fd] ?? .none }

    /// Updates the table after a successful syscall. New descriptors (open, pipe, ...) need no
    /// entry: they can only reuse a number whose close already removed it.
    mutating func update(after number: SyscallNumber, arguments args: [UInt64], result: Int64) {
        guard result >= 0 else { return }
        switch number {
        case .close:
            streams[args[0]] = nil
        case .dup:
            streams[UInt64(result)] = streams[args[0]]
        case .dup2, .dup3:
            streams[args[1]] = streams[args[0]]
        case .fcntl where args[1] == 0 || args[1] == 1030:  // F_DUPFD, F_DUPFD_CLOEXEC
            streams[UInt64(result)] = streams[args[0]]
        default:
            break
        }
    }
}
