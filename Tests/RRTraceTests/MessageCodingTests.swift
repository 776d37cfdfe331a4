import Testing
import RRCore
import RRTrace

@Suite struct MessageCodingTests {
    @Test(arguments: sampleMessages.map(\.0))
    func messageRoundTrips(name: String) throws {
        let message = try #require(sampleMessages.first { $0.0 == name }?.1)
        let framed = message.framed()
        let (kind, payload) = unframe(framed)
        #expect(kind == message.kind.rawValue)
        #expect(try Message.decode(kind: kind, payload: payload) == message)
    }

    @Test func everyMessageKindAndEventKindIsSampled() {
        #expect(Set(sampleMessages.map(\.1.kind.rawValue)) == [1, 2, 3, 4, 5])
        let events = sampleMessages.compactMap { if case let .event(event) = $0.1 { event } else { nil } }
        #expect(events.count == sampleEvents.count)
    }

    @Test(arguments: sampleMessages.map(\.0))
    func frameHeaderHoldsTypeAndPayloadLength(name: String) throws {
        let framed = try #require(sampleMessages.first { $0.0 == name }?.1).framed()
        let length = Int(framed[1]) | Int(framed[2]) << 8 | Int(framed[3]) << 16 | Int(framed[4]) << 24
        #expect(framed.count == Message.frameHeaderSize + length)
    }

    /// The wire format is shared with the trace-writer and stored in traces: pin one message byte by byte.
    @Test func endMessageBytes() {
        let framed = Message.end(TraceEnd(eventCount: 3, exitStatus: -1, error: "x")).framed()
        #expect(framed == [5, 17, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0x78])
    }

    @Test func fileContentBytes() {
        let framed = Message.fileContent(hash: sampleHash(0), bytes: [0xaa, 0xbb]).framed()
        #expect(framed.prefix(5) == [3, 42, 0, 0, 0])
        #expect(Array(framed[5..<37]) == sampleHash(0).bytes)
        #expect(Array(framed[37...]) == [2, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb])
    }
}
