import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes what the replayed program writes to its original stdout and stderr onto the
/// replayer's own, in the order the program wrote it.
final class EchoOutput {
    func write(_ bytes: [UInt8], to stream: OutputStream) {
        let fd: Int32 = stream == .stderr ? 2 : 1
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }  // our own output is gone (closed pipe): keep replaying and verifying
            done += n
        }
    }

    /// Writes are unbuffered; kept so callers can mark the points where output must be complete.
    func flush() {}
}
