import Testing
import RRCore
import RRTrace

@Suite struct MessageDecodingErrorTests {
    @Test(arguments: [UInt8(0), 6, 0x7f, 0xff])
    func unknownTypeByteIsRejected(kind: UInt8) {
        let text = corruptTraceText { _ = try Message.decode(kind: kind, payload: []) }
        #expect(text?.contains("unknown message type \(kind)") == true)
    }

    @Test(arguments: sampleMessages.map(\.0))
    func trailingBytesAreRejected(name: String) throws {
        let message = try #require(sampleMessages.first { $0.0 == name }?.1)
        let (kind, payload) = unframe(message.framed())
        let text = corruptTraceText { _ = try Message.decode(kind: kind, payload: payload + [0]) }
        let endsWithOptionalField = switch message {
        case let .event(.exec(exec)): exec.writes.isEmpty
        case let .event(.syscall(syscall)): syscall.storedWrites.isEmpty
        case let .event(.signal(signal)): if case let .userSpace(position) = signal.position { position.pointedMemory == nil } else { false }
        case let .event(.preemption(preemption)): preemption.position.pointedMemory == nil
        default: false
        }
        if endsWithOptionalField {
            // An exec's writes, a syscall's stored writes and a position's pointed-memory digests
            // are optional at its end: a byte more is the start of them.
            #expect(text?.contains("ends early") == true, "\(text ?? "")")
        } else if kind != Message.Kind.fileContent.rawValue {  // file content reports a size mismatch instead
            #expect(text?.contains("trailing bytes") == true, "\(text ?? "")")
        }
    }

    /// Every strict prefix of a payload fails to decode, but one: an exec's writes (a syscall's
    /// stored writes, a position's pointed-memory digests) are optional at its end, so one cut
    /// just before them is the same event without any.
    @Test(arguments: sampleMessages.map(\.0))
    func truncatedPayloadsAreRejected(name: String) throws {
        let message = try #require(sampleMessages.first { $0.0 == name }?.1)
        let (kind, payload) = unframe(message.framed())
        var withoutOptionalEnd: Int?
        if case var .event(.exec(exec)) = message, !exec.writes.isEmpty {
            exec.writes = []
            withoutOptionalEnd = unframe(Message.event(.exec(exec)).framed()).1.count
        }
        if case var .event(.syscall(syscall)) = message, !syscall.storedWrites.isEmpty {
            syscall.storedWrites = []
            withoutOptionalEnd = unframe(Message.event(.syscall(syscall)).framed()).1.count
        }
        if case var .event(.signal(signal)) = message, case var .userSpace(position) = signal.position, position.pointedMemory != nil {
            position.pointedMemory = nil
            signal.position = .userSpace(position)
            withoutOptionalEnd = unframe(Message.event(.signal(signal)).framed()).1.count
        }
        if case var .event(.preemption(preemption)) = message, preemption.position.pointedMemory != nil {
            preemption.position.pointedMemory = nil
            withoutOptionalEnd = unframe(Message.event(.preemption(preemption)).framed()).1.count
        }
        for length in 0..<payload.count where length != withoutOptionalEnd {
            _ = corruptTraceText { _ = try Message.decode(kind: kind, payload: Array(payload.prefix(length))) }
        }
    }

    @Test func unknownEventKindIsRejected() {
        let text = corruptTraceText { _ = try Message.decode(kind: Message.Kind.event.rawValue, payload: [10, 1, 0, 0, 0]) }
        #expect(text?.contains("unknown event kind 10") == true)
    }

    @Test func badFieldValuesInsideAnEventAreRejected() throws {
        func payload(_ name: String) throws -> [UInt8] {
            unframe(Message.event(try #require(sampleEvents.first { $0.0 == name }?.1)).framed()).payload
        }
        // Signal position is the byte after kind (1), tid (4), signal (4) and siginfo (128).
        var signal = try payload("signal at fault")
        signal[137] = 4
        #expect(corruptTraceText { _ = try Message.decode(kind: 2, payload: signal) }?.contains("signal position") == true)
        // Trap kind follows kind and tid.
        var trap = try payload("rdtsc")
        trap[5] = 9
        _ = corruptTraceText { _ = try Message.decode(kind: 2, payload: trap) }
        // Echo stream follows kind, tid, number, six arguments, result and digest.
        var syscall = try payload("failed syscall echoing to stderr")
        syscall[1 + 4 + 8 + 48 + 8 + 8] = 3
        #expect(corruptTraceText { _ = try Message.decode(kind: 2, payload: syscall) }?.contains("echo") == true)
    }

    @Test func fileContentWithWrongSizeIsRejected() {
        var payload = sampleHash(1).bytes
        payload += [5, 0, 0, 0, 0, 0, 0, 0]  // claims 5 bytes
        payload += [1, 2, 3]  // holds 3
        let text = corruptTraceText { _ = try Message.decode(kind: Message.Kind.fileContent.rawValue, payload: payload) }
        #expect(text?.contains("claims 5 bytes but holds 3") == true)
    }
}
