#if canImport(Glibc)
import Glibc
#endif

/// Reports a tool's peak resident memory when it exits, for `make bench` (which shows it per
/// workload, to check that no process grows with the length of a recording). rr-launch asks
/// for it with each tool's `--report-peak-rss FILE` when RR_SWIFT_PEAK_RSS_FILE is set.
public enum PeakMemoryReport {
    nonisolated(unsafe) private static var tool = ""
    nonisolated(unsafe) private static var path = ""

    /// At exit (through exit(3), which is how ArgumentParser's main and `fail` end), appends
    /// one line "TOOL KB" to `file`: the process's peak resident set (getrusage's ru_maxrss, in
    /// KiB). One write with O_APPEND, so the lines of the supervisor and the writer, which end
    /// at about the same time, do not interleave.
    public static func atExit(tool: String, appendingTo file: String) {
        self.tool = tool
        self.path = file
        atexit {
            var usage = rusage()
            guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return }
            let fd = open(PeakMemoryReport.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
            let line = Array("\(PeakMemoryReport.tool) \(usage.ru_maxrss)\n".utf8)
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }
}
