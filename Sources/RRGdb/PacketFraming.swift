/// The framing of the gdb remote serial protocol: `$payload#cs`, where `cs` is the payload's byte
/// sum modulo 256 in two hex digits. Outside a packet the debugger sends `+`/`-` (acknowledge or
/// ask again, until no-ack mode) and the interrupt byte 0x03. Binary payloads escape `#`, `$`,
/// `}` and `*` as `}` followed by the byte xor 0x20.
public enum PacketFraming {
    public static let start = UInt8(ascii: "$"), end = UInt8(ascii: "#"), escape = UInt8(ascii: "}")
    public static let ack = UInt8(ascii: "+"), nak = UInt8(ascii: "-"), interrupt: UInt8 = 0x03
    static let escapeXor: UInt8 = 0x20
    static let runLength = UInt8(ascii: "*")

    public static func checksum<S: Sequence>(_ bytes: S) -> UInt8 where S.Element == UInt8 {
        bytes.reduce(0) { $0 &+ $1 }
    }

    /// The bytes that carry `payload` (escaped as binary data needs) on the wire.
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(payload.count)
        for byte in payload {
            if byte == start || byte == end || byte == escape || byte == runLength {
                body.append(escape)
                body.append(byte ^ escapeXor)
            } else {
                body.append(byte)
            }
        }
        return [start] + body + [end] + Hex.byte(checksum(body))
    }

    public static func frame(_ payload: String) -> [UInt8] { frame(Array(payload.utf8)) }

    /// Undoes the escaping of a received payload.
    static func unescape(_ body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var escaped = false
        for byte in body {
            if escaped {
                bytes.append(byte ^ escapeXor)
                escaped = false
            } else if byte == escape {
                escaped = true
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }
}

/// What arrives from the debugger, one item at a time.
public enum Incoming: Equatable {
    case packet([UInt8])
    /// A packet whose checksum does not match its payload (answered with `-` in ack mode).
    case corruptPacket
    case ack
    case nak
    case interrupt
}

/// Splits the byte stream from the debugger into packets and control bytes. Bytes outside a
/// packet that mean nothing are skipped, as gdbserver does; a packet longer than `maximumPacket`
/// is a protocol error.
public struct PacketDecoder {
    public static let maximumPacket = 1 << 20
    enum State { case idle, body, checksumHigh, checksumLow(UInt8) }
    var state = State.idle
    var body: [UInt8] = []

    public init() {}

    /// The items completed by `bytes`, in order.
    public mutating func feed(_ bytes: [UInt8]) throws -> [Incoming] {
        var items: [Incoming] = []
        for byte in bytes {
            switch state {
            case .idle:
                switch byte {
                case PacketFraming.start: state = .body; body = []
                case PacketFraming.ack: items.append(.ack)
                case PacketFraming.nak: items.append(.nak)
                case PacketFraming.interrupt: items.append(.interrupt)
                default: break
                }
            case .body:
                if byte == PacketFraming.end {
                    state = .checksumHigh
                } else {
                    guard body.count < Self.maximumPacket else { throw GdbProtocolError.packetTooLong(Self.maximumPacket) }
                    body.append(byte)
                }
            case .checksumHigh:
                guard let high = Hex.digit(byte) else { state = .idle; items.append(.corruptPacket); continue }
                state = .checksumLow(high)
            case .checksumLow(let high):
                state = .idle
                guard let low = Hex.digit(byte), high << 4 | low == PacketFraming.checksum(body) else {
                    items.append(.corruptPacket)
                    continue
                }
                items.append(.packet(PacketFraming.unescape(body)))
            }
        }
        return items
    }
}

/// A violation of the protocol by the debugger, reported once and fatal to the session.
public enum GdbProtocolError: Error, Equatable, CustomStringConvertible {
    case packetTooLong(Int)
    case disconnected
    case connection(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .packetTooLong(let limit): return "the debugger sent a packet longer than \(limit) bytes"
        case .disconnected: return "the debugger disconnected"
        case let .connection(call, errno): return "\(call) failed on the debugger's connection (errno \(errno))"
        }
    }
}
