import Foundation
import Glibc
import Testing
import RRCore
import RRTrace

@Suite struct StreamRoundTripTests {
    /// Many small messages: every sample, repeated with varying tids.
    static let smallMessages: [Message] = (0..<3000).map { index in
        .event(.syscall(SyscallEvent(tid: Tid(Int32(index)), number: .read, arguments: [3, 0x1000, 64, 0, 0, 0],
                                     result: Int64(index % 65), entryDigest: UInt64(index) &* 0x9e37_79b9,
                                     writes: [MemoryWrite(address: 0x1000, bytes: pseudoRandomBytes(index % 65, seed: UInt64(index) + 1))])))
    } + sampleMessages.map(\.1)

    /// Larger than a block.
    static let bigMessage = Message.fileContent(hash: sampleHash(77), bytes: pseudoRandomBytes(StreamFormat.blockTarget * 3 / 2))

    static let allMessages = Array(smallMessages.prefix(1000)) + [bigMessage] + Array(smallMessages.dropFirst(1000))

    @Test(arguments: StreamFormat.Compression.allCases)
    func messagesComeBackInOrder(compression: StreamFormat.Compression) throws {
        let bytes = try writeStream(compression: compression) { writer in
            for message in Self.allMessages { try writer.append(message.framed()) }
            try writer.finish()
        }
        #expect(try StreamFormat.decodeHeader(Array(bytes.prefix(StreamFormat.headerSize))) == compression)
        let outcome = try readStream(bytes)
        #expect(outcome.error == nil, "\(outcome.errorText)")
        #expect(outcome.messages.count == Self.allMessages.count)
        #expect(outcome.messages == Self.allMessages)
        #expect(!outcome.endedEarly)
        let blocks = blockLayout(bytes)
        #expect(blocks.count >= 2)
        #expect(blocks.map(\.sequence) == (0..<UInt32(blocks.count)).map { $0 })
        #expect(blocks.map(\.flags) == Array(repeating: 0, count: blocks.count - 1) + [1], "only the last block is final")
        #expect(blocks.last?.end == bytes.count)
    }

    /// The framed bytes handed over in pieces, as a pipe delivers them: the big message is cut by block boundaries.
    @Test func aMessageSpanningBlocksComesBackWhole() throws {
        let framed = Self.allMessages.flatMap { $0.framed() }
        let bytes = try writeStream { writer in
            for start in stride(from: 0, to: framed.count, by: 100_000) {
                try writer.append(Array(framed[start..<min(start + 100_000, framed.count)]))
            }
            try writer.finish()
            #expect(writer.rawBytes == UInt64(framed.count))
        }
        // Some block boundary falls strictly inside the big message.
        let bigStart = Self.allMessages.prefix(1000).reduce(0) { $0 + $1.framed().count }
        let bigEnd = bigStart + Self.bigMessage.framed().count
        let boundaries = blockLayout(bytes).reduce(into: [0]) { $0.append($0.last! + $1.rawSize) }
        #expect(boundaries.last == framed.count)
        #expect(boundaries.contains { $0 > bigStart && $0 < bigEnd }, "block boundaries \(boundaries), message at \(bigStart)..<\(bigEnd)")
        let outcome = try readStream(bytes)
        #expect(outcome.error == nil, "\(outcome.errorText)")
        #expect(outcome.messages == Self.allMessages)
    }

    /// A reader opened again at a bookmark taken anywhere (inside a block, inside the message
    /// spanning blocks, at a block's end) reads on with the same messages as the first.
    @Test func aBookmarkReadsOnInAnotherReader() throws {
        let bytes = try writeStream { writer in
            for message in Self.allMessages { try writer.append(message.framed()) }
            try writer.finish()
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bookmark-\(UUID().uuidString).rrt")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try StreamReader.open(file.path)
        var marks: [(Int, StreamReader.Bookmark)] = []
        var read = 0
        while try first.next() != nil {
            read += 1
            if read % 700 == 0 || read == 1000 || read == 1001 { marks.append((read, first.bookmark())) }
        }
        #expect(read == Self.allMessages.count)
        #expect(marks.count >= 5)
        for (count, mark) in marks {
            let again = try StreamReader.open(file.path, at: mark)
            var rest: [Message] = []
            while let message = try again.next() { rest.append(message) }
            #expect(rest == Array(Self.allMessages.dropFirst(count)), "from message \(count)")
        }
    }

    @Test func emptyTraceHoldsNoMessages() throws {
        let bytes = try writeStream { try $0.finish() }
        #expect(bytes.count == StreamFormat.headerSize + StreamFormat.blockHeaderSize + blockLayout(bytes)[0].storedSize)
        let outcome = try readStream(bytes)
        #expect(outcome.error == nil, "\(outcome.errorText)")
        #expect(outcome.messages.isEmpty)
        #expect(!outcome.endedEarly)
    }

    @Test func flushedBlocksFollowedByFinalBlock() throws {
        let groups = [Array(Self.smallMessages.prefix(10)), [], Array(Self.smallMessages.suffix(5))]
        let bytes = try streamOfBlocks(groups)
        #expect(blockLayout(bytes).count == 2, "flush() writes no block when nothing is pending")
        let outcome = try readStream(bytes)
        #expect(outcome.messages == groups.flatMap { $0 })
    }

    @Test func aFileWithoutAStreamHeaderIsRejected() throws {
        #expect(try readStream([]).errorText.contains("empty"))
        let outcome = try readStream(Array("plain text, certainly not a trace\n".utf8))
        #expect(outcome.errorText.contains("bad magic"))
    }

    /// Through a real pipe, reads come back short; the reader must keep reading.
    @Test func throughAPipe() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let messages = Self.allMessages
        let writerThread = Thread {
            defer { close(writeEnd) }
            do {
                let writer = try StreamWriter(output: .init(rawValue: writeEnd))
                for message in messages { try writer.append(message.framed()) }
                try writer.finish()
            } catch {
                Issue.record("writing to the pipe failed: \(error)")
            }
        }
        writerThread.start()
        defer { close(readEnd) }
        let reader = try StreamReader(input: .init(rawValue: readEnd))
        var received: [Message] = []
        while let message = try reader.next() { received.append(message) }
        #expect(received == messages)
    }
}
