/// A thread as the protocol names it: a thread id, or "any" (0) or "all" (-1).
public enum ThreadSelector: Equatable {
    case any
    case all
    case thread(Int32)

    init?<S: StringProtocol>(_ text: S) {
        if text == "-1" { self = .all; return }
        guard let value = Hex.number(text), value <= UInt64(Int32.max) else { return nil }
        self = value == 0 ? .any : .thread(Int32(value))
    }
}

/// The breakpoint kinds of `Z`/`z`: 0 is a software breakpoint, 1 a hardware one, 2-4 watchpoints
/// (on writes, on reads, on any access).
public enum BreakpointKind: Int, Equatable {
    case software = 0
    case hardware = 1
    case writeWatchpoint = 2
    case readWatchpoint = 3
    case accessWatchpoint = 4

    public var isWatchpoint: Bool { rawValue >= 2 }
}

/// How the debugger lets the program go on: one action of a `vCont` packet (signals gdb asks to
/// pass are ignored: replay delivers only recorded ones), or `bc`/`bs`, which run it backwards.
public enum ResumeAction: Equatable {
    case `continue`
    case step
    /// Back to the last breakpoint or watchpoint hit before the current point (or the start).
    case reverseContinue
    /// Back by one instruction of the current thread.
    case reverseStep
}

/// One item of a `vCont` packet: what to do, and to which thread (nil: the default for all others).
public struct ThreadAction: Equatable {
    public let action: ResumeAction
    public let thread: ThreadSelector?
}

/// A parsed packet from the debugger. Packets this server does not know are `.unknown`, which
/// the protocol answers with an empty reply; known packets with bad arguments do not parse.
public enum Request: Equatable {
    case supported
    case startNoAck
    /// `QPassSignals:HEX;HEX...`: signals gdb neither stops nor prints for, to be delivered
    /// without a stop reply.
    case passSignals([Int32])
    case haltReason
    case readRegisters
    case readRegister(Int)
    /// `G`: every register, in target-description order.
    case writeRegisters([UInt8])
    /// `P N=VALUE`.
    case writeRegister(Int, [UInt8])
    case readMemory(address: UInt64, length: Int)
    /// `M ADDR,LEN:HEX` (`X`, binary, is left unknown: gdb then uses `M`).
    case writeMemory(address: UInt64, bytes: [UInt8])
    /// `length` is a watchpoint's number of bytes (a breakpoint's is gdb's instruction kind, unused).
    case insertBreakpoint(BreakpointKind, address: UInt64, length: Int)
    case removeBreakpoint(BreakpointKind, address: UInt64, length: Int)
    case resume(ResumeAction, thread: ThreadSelector?)
    case vContQuery
    /// `vCont;ACTION[:TID];...`: the action for the given thread, and the default one.
    case vCont(actions: [ThreadAction])
    case firstThreads
    case nextThreads
    case currentThread
    case setThread(forResume: Bool, ThreadSelector)
    case threadAlive(Int32)
    case attached
    case detach
    /// `k`, which wants no reply, or `vKill`, which wants `OK`.
    case kill(answered: Bool)
    /// `!`: extended mode, in which the program can be run again (`vRun`).
    case extendedMode
    /// `vRun;FILE;ARGS...` (gdb's `run`): the recording from its start (the file is the
    /// recorded one, whatever gdb names); the arguments, hex-decoded, may name another place to
    /// start from (as rr takes them: `run 1000`, an event; `run c1`, a checkpoint).
    case run(arguments: [String])
    case read(object: String, annex: String, offset: Int, length: Int)
    /// `qRcmd,HEX`: a `monitor` command, hex-encoded.
    case monitor(String)
    case unknown(String)

    /// Parses a packet's payload; throws `RequestError` for a known packet with bad arguments.
    public static func parse(_ payload: [UInt8]) throws -> Request {
        let text = String(decoding: payload, as: UTF8.self)
        guard let first = text.first else { return .unknown("") }
        let rest = text.dropFirst()
        switch first {
        case "?": return .haltReason
        case "g": return rest.isEmpty ? .readRegisters : .unknown(text)
        case "G":
            guard let bytes = Hex.decode(rest) else { throw RequestError(packet: text) }
            return .writeRegisters(bytes)
        case "p": return .readRegister(try registerNumber(rest, text))
        case "P":
            let parts = rest.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let value = Hex.decode(parts[1]) else { throw RequestError(packet: text) }
            return .writeRegister(try registerNumber(parts[0], text), value)
        case "m":
            let parts = rest.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw RequestError(packet: text) }
            let length = try number(parts[1], text)
            guard length <= UInt64(Self.maximumMemoryRead) else { throw RequestError(packet: text) }
            return .readMemory(address: try number(parts[0], text), length: Int(length))
        case "M":
            let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let place = parts[0].split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, place.count == 2, let bytes = Hex.decode(parts[1]),
                  try number(place[1], text) == UInt64(bytes.count) else { throw RequestError(packet: text) }
            return .writeMemory(address: try number(place[0], text), bytes: bytes)
        case "Z", "z":
            let parts = rest.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count >= 3, let code = Int(parts[0]) else { throw RequestError(packet: text) }
            let address = try number(parts[1], text)
            let length = try number(parts[2].prefix { $0 != ";" }, text)
            guard let kind = BreakpointKind(rawValue: code), length <= UInt64(Self.maximumMemoryRead) else { throw RequestError(packet: text) }
            return first == "Z" ? .insertBreakpoint(kind, address: address, length: Int(length))
                : .removeBreakpoint(kind, address: address, length: Int(length))
        case "c", "s":
            // An address to resume at would change the recorded execution.
            guard rest.isEmpty else { throw RequestError(packet: text) }
            return .resume(first == "c" ? .continue : .step, thread: nil)
        case "C", "S":
            // The signal gdb passes on is dropped: only recorded signals are delivered.
            guard rest.split(separator: ";").count == 1, (try? number(rest, text)) != nil else { throw RequestError(packet: text) }
            return .resume(first == "C" ? .continue : .step, thread: nil)
        case "b":
            // bc and bs: no other packet starts with b that this server knows.
            guard rest == "c" || rest == "s" else { return .unknown(text) }
            return .resume(rest == "c" ? .reverseContinue : .reverseStep, thread: nil)
        case "H":
            guard let op = rest.first, op == "g" || op == "c", let thread = ThreadSelector(rest.dropFirst()) else {
                throw RequestError(packet: text)
            }
            return .setThread(forResume: op == "c", thread)
        case "T":
            guard let thread = ThreadSelector(rest), case let .thread(tid) = thread else { throw RequestError(packet: text) }
            return .threadAlive(tid)
        case "D": return .detach
        case "k": return .kill(answered: false)
        case "!": return .extendedMode
        case "v": return try parseV(text)
        case "q", "Q": return try parseQuery(text)
        default: return .unknown(text)
        }
    }

    /// The most bytes one `m` packet may ask for (gdb asks for at most its packet size).
    public static let maximumMemoryRead = 1 << 16

    /// A register number: hex, small enough for any description (a huge one is a bad packet).
    private static func registerNumber<S: StringProtocol>(_ text: S, _ packet: String) throws -> Int {
        let value = try number(text, packet)
        guard value <= UInt64(Int32.max) else { throw RequestError(packet: packet) }
        return Int(value)
    }

    private static func number<S: StringProtocol>(_ text: S, _ packet: String) throws -> UInt64 {
        guard let value = Hex.number(text) else { throw RequestError(packet: packet) }
        return value
    }

    private static func parseV(_ text: String) throws -> Request {
        if text == "vCont?" { return .vContQuery }
        if text.hasPrefix("vKill") { return .kill(answered: true) }
        if text.hasPrefix("vRun;") {
            let fields = text.dropFirst("vRun;".count).split(separator: ";", omittingEmptySubsequences: false).dropFirst()
            let arguments = try fields.map { field -> String in
                guard let bytes = Hex.decode(field) else { throw RequestError(packet: text) }
                return String(decoding: bytes, as: UTF8.self)
            }
            return .run(arguments: arguments)
        }
        guard text.hasPrefix("vCont;") else { return .unknown(text) }
        var actions: [ThreadAction] = []
        for item in text.dropFirst("vCont;".count).split(separator: ";", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let action: ResumeAction
            switch parts[0].first {
            case "c", "C": action = .continue
            case "s", "S": action = .step
            default: throw RequestError(packet: text)
            }
            var thread: ThreadSelector?
            if parts.count == 2 {
                guard let selector = ThreadSelector(parts[1]) else { throw RequestError(packet: text) }
                thread = selector
            }
            actions.append(ThreadAction(action: action, thread: thread))
        }
        guard !actions.isEmpty else { throw RequestError(packet: text) }
        return .vCont(actions: actions)
    }

    private static func parseQuery(_ text: String) throws -> Request {
        if text.hasPrefix("qSupported") { return .supported }
        switch text {
        case "QStartNoAckMode": return .startNoAck
        case "qfThreadInfo": return .firstThreads
        case "qsThreadInfo": return .nextThreads
        case "qC": return .currentThread
        default: break
        }
        if text.hasPrefix("qAttached") { return .attached }
        if text.hasPrefix("QPassSignals:") {
            let list = text.dropFirst("QPassSignals:".count).split(separator: ";")
            let signals = try list.map { item -> Int32 in
                guard let value = Int32(item, radix: 16) else { throw RequestError(packet: text) }
                return value
            }
            return .passSignals(signals)
        }
        if text.hasPrefix("qRcmd,") {
            guard let bytes = Hex.decode(text.dropFirst("qRcmd,".count)) else { throw RequestError(packet: text) }
            return .monitor(String(decoding: bytes, as: UTF8.self))
        }
        if text.hasPrefix("qXfer:") {
            // qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH
            let parts = text.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, parts[2] == "read" else { return .unknown(text) }
            let range = parts[4].split(separator: ",", omittingEmptySubsequences: false)
            guard range.count == 2, let offset = Hex.number(range[0]), let length = Hex.number(range[1]),
                  offset <= UInt64(Int32.max), length <= UInt64(Int32.max) else { throw RequestError(packet: text) }
            return .read(object: String(parts[1]), annex: String(parts[3]), offset: Int(offset), length: Int(length))
        }
        return .unknown(text)
    }
}

/// A known packet whose arguments do not parse: answered with an error reply.
public struct RequestError: Error, Equatable {
    public let packet: String
}
