import RRCore
import RRTrace
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The entry points of the fuzz targets (rr-fuzz-stream, rr-fuzz-events), shared by their
/// libFuzzer mains and by the test that replays the checked-in corpus (Tests/FuzzCorpus).
/// Each takes arbitrary bytes and must return: bad input is a thrown `RRError` whose message
/// is one line. Anything else (a trap, a hang, a huge allocation, a broken invariant below)
/// is a finding.
public enum FuzzTargets {
    /// What one input came to.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// Read or decoded to the end: how many messages.
        case decoded(messages: Int)
        /// Refused, with the message a user would see.
        case rejected(String)

        public var description: String {
            switch self {
            case let .decoded(count): "decoded \(count) message\(count == 1 ? "" : "s")"
            case let .rejected(message): "rejected: \(message)"
            }
        }
    }

    /// rr-fuzz-stream: `data` as a whole trace stream (stream header, blocks, checksums,
    /// decompression, messages framed across blocks, message payloads). It is read three
    /// ways: as it is, with `partial` (which must agree on every message it hands out), and
    /// with its header and block checksums recomputed, so that mutations behind a checksum
    /// reach decompression and decoding; a stream that reads to its end must read the same once
    /// written again. Returns the outcome of reading it as it is.
    public static func stream(_ data: [UInt8]) -> Outcome {
        let (messages, outcome) = readAll(data, partial: false)
        let (partialMessages, _) = readAll(data, partial: true)
        check(partialMessages.starts(with: messages) || messages.starts(with: partialMessages),
              "a partial read disagrees with a complete read")
        if case .decoded = outcome {
            check(partialMessages == messages, "a partial read of a complete trace differs")
            // What was read, written again by the real writer, reads back the same.
            let rewritten = try? FuzzSeeds.written(messages, compression: .zstd, flushEach: false)
            check(rewritten.map { readAll($0, partial: false).0 == messages } ?? false,
                  "a trace written from the messages read does not read back the same")
        }
        let repaired = withChecksumsRecomputed(data)
        if repaired != data { _ = readAll(repaired, partial: false) }
        return outcome
    }

    /// rr-fuzz-events: `data` as one message: its type byte, then its payload. A message that
    /// decodes must encode to bytes that decode to the same message.
    public static func message(_ data: [UInt8]) -> Outcome {
        guard let kind = data.first else { return .rejected("empty input") }
        let decoded: Message
        do {
            decoded = try Message.decode(kind: kind, payload: Array(data.dropFirst()))
        } catch {
            return rejection(error)
        }
        let frame = decoded.framed()
        check(frame.count >= Message.frameHeaderSize && frame[0] == kind, "a decoded message encodes as another type")
        do {
            let again = try Message.decode(kind: frame[0], payload: Array(frame[Message.frameHeaderSize...]))
            check(again == decoded, "a decoded message does not survive encoding and decoding again")
        } catch {
            check(false, "a decoded message encodes to bytes that do not decode: \(error)")
        }
        return .decoded(messages: 1)
    }

    /// Reads every message of a stream through a file descriptor, as the replayer does: an
    /// unlinked file in /dev/shm, made once and refilled for each read.
    static func readAll(_ data: [UInt8], partial: Bool) -> ([Message], Outcome) {
        let fd = streamFile
        let written = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        check(written == data.count && ftruncate(fd, off_t(data.count)) == 0 && lseek(fd, 0, SEEK_SET) == 0,
              "cannot fill the stream file: errno \(errno)")
        var messages: [Message] = []
        do {
            let reader = try StreamReader(input: FileDescriptor(rawValue: fd), partial: partial)
            while let message = try reader.next() { messages.append(message) }
            // A finished reader stays finished.
            check(try reader.next() == nil, "a finished reader hands out another message")
            return (messages, .decoded(messages: messages.count))
        } catch {
            return (messages, rejection(error))
        }
    }

    static let streamFile: Int32 = {
        var template = Array("/dev/shm/rr-fuzz-stream-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        check(fd >= 0, "mkstemp in /dev/shm failed: errno \(errno)")
        unlink(template)
        return fd
    }()

    static func rejection(_ error: any Error) -> Outcome {
        guard let error = error as? RRError else {
            check(false, "bad input threw \(type(of: error)) instead of an RRError: \(error)")
            return .rejected("\(error)")
        }
        let message = "\(error)"
        check(!message.contains("\n"), "an error message spans lines: \(message)")
        return .rejected(message)
    }

    /// The stream with its header checksum and every block checksum it can find recomputed
    /// (walking the documented layout, protocol/README.md §6), everything else untouched.
    public static func withChecksumsRecomputed(_ data: [UInt8]) -> [UInt8] {
        var bytes = data
        func storeU32(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        guard bytes.count >= StreamFormat.headerSize else { return bytes }
        storeU32(Deflate.crc32(Array(bytes[0..<16])), at: 16)
        var offset = StreamFormat.headerSize
        while bytes.count - offset >= StreamFormat.blockHeaderSize {
            let storedSize = (0..<4).reduce(0) { $0 | Int(bytes[offset + 16 + $1]) << (8 * $1) }
            let end = offset + StreamFormat.blockHeaderSize + min(storedSize, bytes.count - offset - StreamFormat.blockHeaderSize)
            let stored = Array(bytes[(offset + StreamFormat.blockHeaderSize)..<end])
            storeU32(Deflate.crc32(stored, initial: Deflate.crc32(Array(bytes[offset..<offset + 24]))), at: offset + 24)
            offset = end
        }
        return bytes
    }

    /// A broken invariant is a finding: stop the way libFuzzer notices.
    static func check(_ condition: @autoclosure () throws -> Bool, _ what: @autoclosure () -> String) {
        let holds = (try? condition()) ?? false
        if !holds { fatalError("fuzz invariant broken: \(what())") }
    }
}
