import RRCore
import RRTrace

#if canImport(Glibc)
import Glibc
#endif

/// The fuzz targets' main in a normal build (without libFuzzer): runs files through a target,
/// or writes the seed corpus from real traces.
public enum FuzzDriver {
    public static func main(tool: String, target: ([UInt8]) -> FuzzTargets.Outcome) {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if arguments.first == "--make-seeds" {
                guard arguments.count >= 3 else { throw RRError.usage("usage: \(tool) --make-seeds CORPUS-DIR TRACE...") }
                try FuzzSeeds.write(traces: Array(arguments[2...]), to: arguments[1])
                return
            }
            guard !arguments.isEmpty else {
                throw RRError.usage("usage: \(tool) FILE-OR-DIR... (runs each input through the fuzz target); \(tool) --make-seeds CORPUS-DIR TRACE...")
            }
            for path in try arguments.flatMap(filesUnder) {
                print("\(path): \(target(try readFile(path)))")
            }
        } catch {
            reportError(tool: tool, "\(error)")
            exit(1)
        }
    }

    /// The regular files of a directory (sorted), or the path itself.
    public static func filesUnder(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    public static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw RRError.usage("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[0..<n]
            if n < chunk.count { break }
        }
        return bytes
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        guard let file = fopen(path, "wb") else { throw RRError.usage("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw RRError.usage("cannot write \(path)") }
    }
}

/// The seed corpus: small valid streams and messages cut from real traces and written again by
/// the real encoders (StreamWriter, StreamFormat.encodeBlock, Message.framed). Files named
/// `valid-*` must decode; the corpus test checks that.
public enum FuzzSeeds {
    /// fileContent messages are cut to this many bytes (and hashed again) to keep seeds small.
    static let contentLimit = 200
    /// At most this many messages of each shape from each trace.
    static let perShape = 2

    public static func write(traces: [String], to corpus: String) throws {
        for directory in [corpus, corpus + "/rr-fuzz-stream", corpus + "/rr-fuzz-events"] {
            if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw RRError.usage("cannot create \(directory)") }
        }
        // Every stream shape from the first trace; from the others, one stream each and the
        // messages of shapes not seen yet.
        var counts: [String: Int] = [:]
        for (index, trace) in traces.enumerated() {
            let name = String(trace.split(separator: "/").last ?? "trace").split(separator: ".").first.map(String.init) ?? "trace"
            let messages = try sample(StreamReader.open(trace))
            for (file, bytes) in try streams(of: messages).prefix(index == 0 ? .max : 1) {
                try FuzzDriver.writeFile("\(corpus)/rr-fuzz-stream/\(file)-\(name)", bytes)
            }
            for message in messages {
                let shape = shapeName(message)
                counts[shape, default: 0] += 1
                guard counts[shape]! <= perShape else { continue }
                let frame = message.framed()
                try FuzzDriver.writeFile("\(corpus)/rr-fuzz-events/valid-\(shape)-\(name)-\(counts[shape]!)",
                                         [frame[0]] + frame[Message.frameHeaderSize...])
            }
        }
    }

    /// The header, up to `perShape` messages of each shape in trace order, and the end.
    static func sample(_ reader: StreamReader) throws -> [Message] {
        var counts: [String: Int] = [:]
        var kept: [Message] = []
        while let message = try reader.next() {
            let shape = shapeName(message)
            counts[shape, default: 0] += 1
            guard counts[shape]! <= perShape else { continue }
            if case let .fileContent(_, bytes) = message, bytes.count > contentLimit {
                let cut = Array(bytes.prefix(contentLimit))
                kept.append(.fileContent(hash: SHA256.hash(cut), bytes: cut))
            } else {
                kept.append(message)
            }
        }
        return kept
    }

    /// The same messages as streams of several shapes.
    static func streams(of messages: [Message]) throws -> [(String, [UInt8])] {
        let raw = messages.flatMap { $0.framed() }
        let zlib = try written(messages, compression: .zlib, flushEach: false)
        // Blocks cut every 97 raw bytes, so that messages span blocks.
        var cut = StreamFormat.encodeHeader(compression: .zlib)
        var sequence: UInt32 = 0
        for start in stride(from: 0, to: raw.count, by: 97) {
            let piece = Array(raw[start..<min(raw.count, start + 97)])
            let flags: StreamFormat.BlockFlags = start + 97 >= raw.count ? .final : []
            cut += StreamFormat.encodeBlock(sequence: sequence, flags: flags, rawSize: piece.count,
                                            stored: try StreamFormat.Compression.zlib.compress(piece))
            sequence += 1
        }
        return [
            ("valid-zlib", zlib),
            ("valid-zstd", try written(messages, compression: .zstd, flushEach: false)),
            ("valid-zlib-block-per-message", try written(messages, compression: .zlib, flushEach: true)),
            ("valid-zstd-block-per-message", try written(messages, compression: .zstd, flushEach: true)),
            ("valid-zlib-97-byte-blocks", cut),
            ("truncated-zlib", Array(zlib.dropLast(9))),
        ]
    }

    static func written(_ messages: [Message], compression: StreamFormat.Compression, flushEach: Bool) throws -> [UInt8] {
        // The writer writes to a temporary file, read back whole.
        var template = Array("/tmp/rr-fuzz-seed-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw RRError.system(call: "mkstemp", errno: errno, detail: "") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd); unlink(path) }
        let writer = try StreamWriter(output: .init(rawValue: fd), compression: compression)
        for message in messages {
            try writer.append(message.framed())
            if flushEach { try writer.flush() }
        }
        try writer.finish()
        return try FuzzDriver.readFile(path)
    }

    /// "event-syscall", "fileContent", ...: what the corpus names a message by.
    static func shapeName(_ message: Message) -> String {
        switch message {
        case .header: "header"
        case .fileContent: "fileContent"
        case .end: "end"
        case let .event(event):
            switch event {
            case .exec: "event-exec"
            case .syscall: "event-syscall"
            case .instructionTrap: "event-instructionTrap"
            case .signal: "event-signal"
            case .exit: "event-exit"
            case .syscallEntry: "event-syscallEntry"
            case .taskCreated: "event-taskCreated"
            case .patch: "event-patch"
            case .preemption: "event-preemption"
            case .bufferFlush: "syscallBufferFlush"
            }
        }
    }
}
