import ArgumentParser
import CRRShims
import RRCore
import RRTrace
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Reads protocol messages from the supervisor on stdin and writes the compressed trace stream.
struct TraceWriter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rr-trace-writer",
        abstract: "Compress protocol messages from rr-supervisor (stdin) into a trace stream.",
        discussion: "Normally started by `rr-launch record`. The trace is complete only if the supervisor sent its end message.")

    @Option(name: .shortAndLong, help: "Where to write the trace: a file path, or - for stdout.")
    var output: String = "-"

    @Option(help: "Block compression: zstd or zlib.")
    var compression: String = StreamFormat.Compression.recordingDefault.name

    @Option(name: .customLong("block-cache"), help: "A directory where compressed blocks of mapped files are kept between recordings.")
    var blockCache: String?

    @Option(name: .customLong("avoid-cpu"), help: "Run on any allowed CPU but this one (the program's and the supervisor's), when there is another.")
    var avoidCpu: Int32?

    @Option(name: .customLong("report-peak-rss"), help: "At exit, append \"rr-trace-writer KIB\" (peak resident memory) to this file.")
    var reportPeakRss: String?

    @Flag(name: .customLong("check-settings"), help: "Check the settings taken from the environment (RR_SWIFT_CACHE_LIMIT), then exit.")
    var checkSettings = false

    func run() throws {
        if checkSettings {
            do {
                _ = try CacheBudget.limitFromEnvironment()
                return
            } catch let error as RRError {
                reportError(tool: "rr-trace-writer", "\(error)")
                throw ExitCode(1)
            }
        }
        if let reportPeakRss { PeakMemoryReport.atExit(tool: "rr-trace-writer", appendingTo: reportPeakRss) }
        // The writer ends at the end of its input, whatever stops the recording: Ctrl-C, or
        // timeout(1) signalling its whole group, must not cut the trace short of its final block.
        // The supervisor, which gets these signals too, passes them on to the program.
        for signal in [SIGINT, SIGTERM, SIGHUP] { Glibc.signal(signal, SIG_IGN) }
        // Compression then overlaps the program instead of taking turns with it on its CPU.
        if let avoidCpu {
            let status = rr_shim_avoid_cpu(avoidCpu)
            if status < 0 { reportError(tool: "rr-trace-writer", "warning: could not leave CPU \(avoidCpu) to the program: \(String(cString: strerror(-status)))") }
        }
        do {
            let cacheLimit = try CacheBudget.limitFromEnvironment()
            let fd: FileDescriptor
            if output == "-" {
                fd = .standardOutput
            } else {
                fd = try withErrnoDescription("create \(output)") {
                    try FileDescriptor.open(output, .writeOnly, options: [.create, .truncate, .closeOnExec],
                                            permissions: [.ownerReadWrite])  // a trace holds all the program read
                }
            }
            guard let codec = StreamFormat.Compression.allCases.first(where: { $0.name == compression }) else {
                throw RRError.usage("unknown compression \(compression) (expected zlib or zstd)")
            }
            let writer = try StreamWriter(output: fd, compression: codec)
            let cache = blockCache.flatMap { CompressedBlockCache(directory: $0, limit: cacheLimit) }
            defer { cache?.finish() }
            let pump = MessagePump(input: .standardInput, writer: writer, cache: cache)
            let complete: Bool
            do {
                complete = try pump.run()
            } catch {
                try? writer.flush()  // keep every complete message received before the failure
                throw error
            }
            if pump.receivedNothing.value {
                // The supervisor could not start the program and has said why; leave no empty trace.
                if output != "-" { unlink(output) }
                throw ExitCode(1)
            }
            if complete {
                try writer.finish()
            } else {
                try writer.flush()
                throw RRError.corruptTrace("the supervisor ended without finishing the trace; it holds what was recorded until then")
            }
            if output != "-" { try fd.close() }
        } catch let error as RRError {
            reportError(tool: "rr-trace-writer", "\(error)")
            throw ExitCode(1)
        }
    }
}

func withErrnoDescription<T>(_ what: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as Errno { throw RRError.system(call: what, errno: error.rawValue, detail: "") }
}

/// Moves framed messages from the pipe into the stream writer, checking the framing and
/// noticing the end message.
struct MessagePump {
    let input: FileDescriptor
    let writer: StreamWriter
    let cache: CompressedBlockCache?
    final class Flag { var value = true }
    /// Larger frames mean a broken supervisor, not data: refuse rather than buffer without limit.
    static let maximumMessage = 1 << 30
    /// Nothing but the header arrived: the supervisor could not start the program.
    let receivedNothing = Flag()

    /// Returns whether the end message arrived.
    func run() throws -> Bool {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var sawEnd = false
        while true {
            // When the supervisor pauses, write out what has arrived: a crash then loses nothing
            // already received, and a streaming reader sees the recording as it happens.
            // Also at least once a second while it is busy.
            if writer.hasPending && (writer.secondsSinceLastBlock >= 1 || !input.hasInput(withinMilliseconds: 250)) {
                try writer.flush()
            }
            let n = try withErrnoDescription("read from the supervisor") {
                try chunk.withUnsafeMutableBytes { try input.read(into: $0, retryOnInterrupt: true) }
            }
            if n == 0 { break }
            pending += chunk[0..<n]
            // Pass on whole messages only, so every block boundary a crash could leave is clean.
            var complete = 0
            var framingError: RRError?
            while pending.count - complete >= Message.frameHeaderSize {
                let kind = pending[complete]
                let length = Int(pending[complete + 1]) | Int(pending[complete + 2]) << 8
                    | Int(pending[complete + 3]) << 16 | Int(pending[complete + 4]) << 24
                if Message.Kind(rawValue: kind) == nil || length > Self.maximumMessage {
                    framingError = .corruptTrace("the supervisor sent a bad frame (type \(kind), \(length) bytes)")
                    break
                }
                guard pending.count - complete >= Message.frameHeaderSize + length else { break }
                if kind == Message.Kind.end.rawValue { sawEnd = true }
                // The header goes out before the program starts; only what follows it is a recording.
                if kind != Message.Kind.header.rawValue { receivedNothing.value = false }
                if kind == Message.Kind.fileContent.rawValue && length >= 32 {
                    // File contents go in blocks of their own, which the cache may hold already.
                    try writer.append(pending[0..<complete])
                    let frameEnd = complete + Message.frameHeaderSize + length
                    let hash = ContentHash(bytes: Array(pending[(complete + 5)..<(complete + 37)]))
                    try writer.appendFileContent(Array(pending[complete..<frameEnd]), hash: hash, cache: cache)
                    pending.removeSubrange(0..<frameEnd)
                    complete = 0
                    continue
                }
                complete += Message.frameHeaderSize + length
            }
            if complete > 0 {
                try writer.append(pending[0..<complete])
                pending.removeSubrange(0..<complete)
            }
            if let framingError { throw framingError }
        }
        return sawEnd && pending.isEmpty
    }
}

extension FileDescriptor {
    func hasInput(withinMilliseconds timeout: Int32) -> Bool {
        var descriptor = pollfd(fd: rawValue, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, timeout) != 0
    }
}

TraceWriter.main()
