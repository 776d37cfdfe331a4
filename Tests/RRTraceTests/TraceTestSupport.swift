import Glibc
import Testing
import RRCore
@testable import RRTrace

/// The text of the `RRError.corruptTrace` that `body` throws. Records an issue and returns nil
/// when it throws nothing or another error.
func corruptTraceText(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> String? {
    do {
        try body()
        Issue.record("expected a corrupt-trace error, nothing was thrown", sourceLocation: sourceLocation)
    } catch RRError.corruptTrace(let text) {
        return text
    } catch {
        Issue.record("expected a corrupt-trace error, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Deterministic filler bytes that do not compress well.
func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x9e37_79b9_7f4a_7c15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

func sampleHash(_ seed: UInt8) -> ContentHash { ContentHash(bytes: (0..<32).map { UInt8($0) &* 3 &+ seed }) }

func sampleRegisters(_ seed: UInt64) -> Registers {
    Registers(words: (0..<UInt64(Registers.wordCount)).map { seed &* 0x1_0000 &+ $0 })
}

/// One sample of every event shape the coding distinguishes.
let sampleEvents: [(String, TraceEvent)] = [
    ("exec with interpreter", .exec(ExecEvent(
        tid: Tid(4242), executable: MappedFile(path: "/usr/bin/prog", hash: sampleHash(1), size: 123_456),
        interpreter: MappedFile(path: "/lib64/ld-linux-x86-64.so.2", hash: sampleHash(2), size: 240_000),
        arguments: ["prog", "--flag", "välue with spaces", ""], environment: ["A=1", "PATH=/bin"],
        registers: sampleRegisters(1), stackBytes: pseudoRandomBytes(300)))),
    ("exec without interpreter", .exec(ExecEvent(
        tid: Tid(1), executable: MappedFile(path: "/static", hash: sampleHash(3), size: 10),
        interpreter: nil, arguments: [String](), environment: [String](), registers: sampleRegisters(2), stackBytes: []))),
    ("exec with patches", .exec({
        var exec = ExecEvent(tid: Tid(9), executable: MappedFile(path: "/usr/bin/rand", hash: sampleHash(5), size: 4096),
                             interpreter: nil, arguments: ["rand"], environment: [String](), registers: sampleRegisters(4), stackBytes: [1])
        exec.writes = [MemoryWrite(address: 0x5555_5555_514d, bytes: [0x0f, 0x0b, 0x66, 0xf2])]
        return exec
    }())),
    ("syscall with writes, mapped file and echo", .syscall(SyscallEvent(
        tid: Tid(4242), number: .mmap, arguments: [0, 8192, 1, 2, 3, 0], result: 0x7f00_0000_0000,
        entryDigest: 0xdead_beef_cafe_f00d,
        writes: [MemoryWrite(address: 0x1000, bytes: [1, 2, 3]), MemoryWrite(address: 0x2000, bytes: [])],
        mappedFile: MappedFile(path: "/usr/lib/libc.so.6", hash: sampleHash(4), size: 2_000_000), echo: .stdout))),
    ("syscall with stored writes", .syscall({
        var read = SyscallEvent(tid: Tid(11), number: .read, arguments: [3, 0x7f00_0000_0000, 3_000_000, 0, 0, 0], result: 2_100_000,
                                entryDigest: 5, writes: [MemoryWrite(address: 0x7ffd_0000_0000, bytes: [1])])
        read.storedWrites = [StoredWrite(address: 0x7f00_0000_0000, pieces: [StoredWrite.Piece(hash: sampleHash(6), size: 1 << 20),
                                                                            StoredWrite.Piece(hash: sampleHash(6), size: 1 << 20),
                                                                            StoredWrite.Piece(hash: sampleHash(7), size: 52_448)])]
        return read
    }())),
    ("failed syscall echoing to stderr", .syscall(SyscallEvent(
        tid: Tid(7), number: .write, arguments: [2, 0x4000, 5, 0, 0, .max], result: -9, entryDigest: 1, echo: .stderr))),
    ("rdtsc", .instructionTrap(InstructionTrapEvent(tid: Tid(7), kind: .rdtsc, rip: 0x401000, rax: 1, rdx: 2, rcx: 3))),
    ("rdtscp", .instructionTrap(InstructionTrapEvent(tid: Tid(7), kind: .rdtscp, rip: 0x401003, rax: 4, rdx: 5, rcx: .max))),
    ("rdrand", .instructionTrap(InstructionTrapEvent(tid: Tid(7), kind: .rdrand, rip: 0x401010, rax: .max - 1, rdx: 0, rcx: 0))),
    ("rdseed", .instructionTrap(InstructionTrapEvent(tid: Tid(7), kind: .rdseed, rip: 0x401020, rax: 6, rdx: 0, rcx: 0))),
    ("signal at fault", .signal(SignalEvent(tid: Tid(7), signal: .sigsegv, siginfo: pseudoRandomBytes(128, seed: 1), position: .atFault))),
    ("signal after previous event", .signal(SignalEvent(tid: Tid(7), signal: SignalNumber(10), siginfo: [UInt8](repeating: 0, count: 128),
                                                       position: .afterPreviousEvent))),
    ("signal in user space", .signal(SignalEvent(tid: Tid(7), signal: SignalNumber(14), siginfo: pseudoRandomBytes(128, seed: 2),
                                                position: .userSpace(samplePosition(5, buffers: [])),
                                                frame: TrapFrameWords(err: 4, trapno: 14, cr2: 0x7fff_0000_0008)))),
    ("signal in user space with buffers, no handler", .signal(SignalEvent(tid: Tid(7), signal: SignalNumber(29), siginfo: pseudoRandomBytes(128, seed: 3),
                                                                         position: .userSpace(samplePosition(6, buffers: [0x7fff_1000_0000, 0x7fff_2000_0000]))))),
    ("preemption", .preemption(PreemptionEvent(tid: Tid(8), position: samplePosition(7, buffers: [0x7fff_1000_0000])))),
    ("exit with registers", .exit(ExitEvent(tid: Tid(7), waitStatus: 42 << 8, finalRegisters: sampleRegisters(3)))),
    ("exit without registers", .exit(ExitEvent(tid: Tid(7), waitStatus: 0x86, finalRegisters: nil))),
    ("patch", .patch(PatchEvent(tid: Tid(5), number: .read, arguments: [1, 2, 3, 4, 5, 6], entryDigest: 77, site: 0x7fff_0000_1000,
                                writes: [MemoryWrite(address: 0x1000, bytes: [0xe9, 1, 2, 3, 4]), MemoryWrite(address: 0x2000, bytes: [])]))),
    // Flushes travel as messages of type 4.
    ("syscall buffer flush", .bufferFlush(SyscallBufferFlush(tid: Tid(-1), offset: 24, flags: [.reset], records: [9, 8, 7]))),
    ("empty syscall buffer flush", .bufferFlush(SyscallBufferFlush(tid: Tid(3), offset: 0, flags: [.blockedInNext, .stoppedAfterNextSyscall],
                                                                   records: []))),
]

/// One sample of every message kind, every event shape included.
let sampleMessages: [(String, Message)] = [
    ("header", .header(TraceHeader(cpuModel: "vendor_id=GenuineIntel; model name=Test CPU", kernelRelease: "6.1.0",
                                   hostname: "höst", startTime: 1_700_000_000_123, commandLine: ["prog", "a b", ""],
                                   workingDirectory: "/home/user"))),
    ("file content", .fileContent(hash: sampleHash(9), bytes: pseudoRandomBytes(1000))),
    ("empty file content", .fileContent(hash: sampleHash(10), bytes: [])),
    ("end", .end(TraceEnd(eventCount: 12, exitStatus: 0, error: ""))),
    ("end with error", .end(TraceEnd(eventCount: .max, exitStatus: -1, error: "unsupported syscall: clone"))),
] + sampleEvents.map { ("event: " + $0.0, Message.event($0.1)) }

/// The type byte and payload of a framed message.
func unframe(_ framed: [UInt8]) -> (kind: UInt8, payload: [UInt8]) { (framed[0], Array(framed[5...])) }

// MARK: - Streams in temporary files

/// An unlinked temporary file, open for reading and writing.
func temporaryFile() throws -> Int32 {
    var template = Array("/tmp/rr-trace-test-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    try #require(fd >= 0, "mkstemp failed: errno \(errno)")
    unlink(template)
    return fd
}

func readAll(_ fd: Int32) -> [UInt8] {
    lseek(fd, 0, SEEK_SET)
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        result += chunk[0..<n]
    }
    return result
}

/// The bytes of a stream written by a StreamWriter that `body` drives.
func writeStream(compression: StreamFormat.Compression = .recordingDefault,
                 _ body: (StreamWriter) throws -> Void) throws -> [UInt8] {
    let fd = try temporaryFile()
    defer { close(fd) }
    let writer = try StreamWriter(output: .init(rawValue: fd), compression: compression)
    try body(writer)
    let bytes = readAll(fd)
    #expect(writer.storedBytes == UInt64(bytes.count))
    return bytes
}

/// A stream holding `groups` of messages, one block per group, the last block final.
func streamOfBlocks(_ groups: [[Message]]) throws -> [UInt8] {
    try writeStream { writer in
        for (index, group) in groups.enumerated() {
            for message in group { try writer.append(message.framed()) }
            if index < groups.count - 1 { try writer.flush() } else { try writer.finish() }
        }
    }
}

/// What a StreamReader makes of `bytes`: the messages it returned, then the error (if any).
struct ReadOutcome {
    var messages: [Message] = []
    var error: (any Error)?
    var endedEarly = false
    var completeBlocks: UInt32 = 0
    var errorText: String { error.map { "\($0)" } ?? "" }
}

func readStream(_ bytes: [UInt8], partial: Bool = false) throws -> ReadOutcome {
    let fd = try temporaryFile()
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    try #require(written == bytes.count)
    lseek(fd, 0, SEEK_SET)
    var outcome = ReadOutcome()
    do {
        let reader = try StreamReader(input: .init(rawValue: fd), partial: partial)
        defer {
            outcome.endedEarly = reader.endedEarly
            outcome.completeBlocks = reader.completeBlocks
        }
        while let message = try reader.next() { outcome.messages.append(message) }
        // A finished reader stays finished.
        #expect(try reader.next() == nil)
    } catch {
        outcome.error = error
    }
    return outcome
}

/// Where each block starts in a stream and how many stored bytes it holds, parsed independently
/// of StreamReader from the documented layout (20-byte stream header, 28-byte block headers).
struct BlockLayout {
    var offset: Int
    var sequence: UInt32
    var flags: UInt32
    var rawSize: Int
    var storedSize: Int
    var dataOffset: Int { offset + 28 }
    var end: Int { dataOffset + storedSize }
}

func blockLayout(_ bytes: [UInt8]) -> [BlockLayout] {
    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
    var blocks: [BlockLayout] = []
    var offset = 20
    while offset + 28 <= bytes.count {
        let block = BlockLayout(offset: offset, sequence: u32(offset + 4), flags: u32(offset + 8),
                                rawSize: Int(u32(offset + 12)), storedSize: Int(u32(offset + 16)))
        blocks.append(block)
        offset = block.end
    }
    return blocks
}

/// A position with registers from `seed` and distinct digests; odd seeds have the optional
/// pointed-memory digests, even ones are as earlier builds wrote them.
func samplePosition(_ seed: UInt64, buffers: [UInt64]) -> UserPosition {
    UserPosition(registers: sampleRegisters(seed), extendedStateDigest: 0xfeed_0000 + seed, memoryDigest: 0xbeef_0000 + seed,
                 pointedMemory: seed % 2 == 1 ? PointedMemoryDigests(near: 0xd1ce_0000 + seed, far: 0xfa_0000 + seed) : nil, userTime: 12_345_678 * seed, syscallBuffers: buffers)
}
