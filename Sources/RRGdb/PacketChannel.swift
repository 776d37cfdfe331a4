/// A byte stream to and from the debugger (a TCP connection; a script of bytes in tests).
public protocol ByteTransport: AnyObject {
    /// Blocks for the next bytes; an empty result means the debugger closed the connection.
    func receive() throws -> [UInt8]
    func send(_ bytes: [UInt8]) throws
}

/// Packets over a transport, with the acknowledgements the protocol wants until the debugger
/// switches them off (QStartNoAckMode): a good packet is answered `+`, a corrupt one `-` (and
/// the debugger sends it again), and a `-` for our last reply sends it again.
public final class PacketChannel {
    let transport: ByteTransport
    var decoder = PacketDecoder()
    var pending: [Incoming] = []
    var lastSent: [UInt8] = []
    public internal(set) var acknowledges = true
    /// Corrupt packets received, for diagnostics.
    public private(set) var corruptPackets = 0

    public init(transport: ByteTransport) {
        self.transport = transport
    }

    /// The next packet's payload; throws `GdbProtocolError.disconnected` at the end of the stream.
    public func receive() throws -> [UInt8] {
        while true {
            if pending.isEmpty {
                let bytes = try transport.receive()
                guard !bytes.isEmpty else { throw GdbProtocolError.disconnected }
                pending = try decoder.feed(bytes)
                continue
            }
            let item = pending.removeFirst()
            switch item {
            case .packet(let payload):
                if acknowledges { try transport.send([PacketFraming.ack]) }
                return payload
            case .corruptPacket:
                corruptPackets += 1
                if acknowledges { try transport.send([PacketFraming.nak]) }
            case .nak:
                if acknowledges, !lastSent.isEmpty { try transport.send(lastSent) }
            case .ack, .interrupt:
                // An interrupt while stopped asks for what already holds.
                continue
            }
        }
    }

    public func send(_ payload: String) throws { try send(Array(payload.utf8)) }

    public func send(_ payload: [UInt8]) throws {
        lastSent = PacketFraming.frame(payload)
        try transport.send(lastSent)
    }
}
