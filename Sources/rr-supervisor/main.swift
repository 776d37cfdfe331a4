import ArgumentParser
import RRCore
import RRRecord
import CRRShims
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Records a program under ptrace and sends the trace, as protocol messages, to a file
/// descriptor that rr-launch connects to rr-trace-writer.
struct Supervisor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rr-supervisor",
        abstract: "Record a program under ptrace; send protocol messages to the trace-writer.",
        discussion: "Normally started by `rr-launch record`. Exits with the recorded program's status (128 + signal if it was killed).")

    @Option(name: .customLong("protocol-fd"), help: "File descriptor (a pipe to rr-trace-writer) that receives the protocol messages.")
    var protocolFd: Int32

    @Option(help: "CPU to pin the supervisor and the program to.")
    var cpu: Int32 = 0

    @Flag(name: .customLong("stdout-to-stderr"), help: "Send the program's stdout to stderr (when the trace itself goes to stdout).")
    var stdoutToStderr = false

    @Option(name: .customLong("syscall-buffer-library"), help: "The preload library that buffers syscalls inside the program (rr-launch passes it unless -n).")
    var syscallBufferLibrary: String?

    @Flag(help: "Randomise time slices and the choice of the next thread (chaos mode).")
    var chaos = false

    @Option(name: .customLong("time-slice"), help: "Milliseconds of user code after which a thread is preempted when others wait.")
    var timeSlice: Double = 50

    @Option(name: .customLong("report-peak-rss"), help: "At exit, append \"rr-supervisor KIB\" (peak resident memory) to this file.")
    var reportPeakRss: String?

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments.")
    var command: [String] = []

    func run() throws {
        if let reportPeakRss { PeakMemoryReport.atExit(tool: "rr-supervisor", appendingTo: reportPeakRss) }
        var command = self.command
        if command.first == "--" { command.removeFirst() }
        guard let program = command.first else { throw ValidationError("missing program to record") }
        do {
            let path = try ProgramLocator.locate(program)
            var options = Recorder.Options()
            options.cpu = cpu
            options.stdoutToStderr = stdoutToStderr
            guard timeSlice > 0, timeSlice <= 10_000 else { throw RRError.usage("--time-slice must be between 0 and 10000 ms") }
            options.timeSlice = Int64(timeSlice * 1_000_000)
            options.chaos = chaos
            if let library = syscallBufferLibrary {
                guard access(library, R_OK) == 0 else { throw RRError.usage("cannot read the syscall-buffer library \(library) (run make build, or record with -n)") }
                let seccomp = rr_shim_probe_seccomp()
                if seccomp != 0 {
                    options.warnings.append(SystemPolicy.seccompUnavailable(errno: seccomp))
                } else if SystemPolicy.underSeccompFilter() {
                    options.warnings.append(SystemPolicy.underSeccompFilterWarning)
                } else {
                    options.syscallBufferLibrary = library
                }
                if let warning = SystemPolicy.perfEventsDenied(paranoid: SystemPolicy.setting(SystemPolicy.perfEventParanoid), privileged: geteuid() == 0) {
                    options.warnings.append(warning)
                }
            }
            options.printsStatistics = getenv("RR_SWIFT_STATS") != nil
            let recorder = Recorder(sink: PipeSink(output: FileDescriptor(rawValue: protocolFd)), options: options)
            let status = try recorder.record(program: path, arguments: command, environment: ProgramLocator.environment,
                                             workingDirectory: ProgramLocator.workingDirectory)
            throw ExitCode(status)
        } catch let error as RRError {
            fail(error)
        }
    }
}

func fail(_ error: RRError) -> Never {
    reportError(tool: "rr-supervisor", "\(error)")
    exit(1)
}

/// Finds the program to record the way a shell would (PATH search unless the name has a slash).
enum ProgramLocator {
    static func locate(_ name: String) throws -> String {
        if name.contains("/") {
            guard access(name, X_OK) == 0 else { throw RRError.usage("cannot execute \(name): \(String(cString: strerror(errno)))") }
            return name
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw RRError.usage("program not found: \(name)")
    }

    static var environment: [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }

    static var workingDirectory: String {
        guard let cwd = getcwd(nil, 0) else { return "?" }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}

Supervisor.main()
