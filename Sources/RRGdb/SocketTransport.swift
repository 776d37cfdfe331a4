#if canImport(Glibc)
import Glibc
#endif

/// The server's TCP endpoint, on the loopback interface only: the replayed program's memory
/// and the debugger's control of the replay must not be offered to the network. Descriptors are
/// close-on-exec, so that a replayed program never sees them (its descriptor numbers must be
/// the recorded ones).
public final class GdbListener {
    let descriptor: Int32
    /// The port listened on (the one asked for, or the kernel's pick for port 0).
    public let port: UInt16

    /// The hosts `--server HOST:PORT` accepts.
    public static let loopbackNames: Set<String> = ["", "127.0.0.1", "localhost"]

    public init(port: UInt16) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw GdbProtocolError.connection(call: "socket", errno: errno) }
        var reuse: Int32 = 1
        _ = setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian  // 127.0.0.1
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 1) == 0 else {
            let error = errno
            close(socket)
            throw GdbProtocolError.connection(call: "bind to 127.0.0.1:\(port)", errno: error)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        descriptor = socket
        self.port = UInt16(bigEndian: address.sin_port)
    }

    /// Waits for the debugger to connect; one connection is served, then the listener closes.
    public func accept() throws -> SocketTransport {
        defer { close(descriptor) }
        while true {
            let connection = Glibc.accept(descriptor, nil, nil)
            if connection >= 0 {
                // The replayer has one thread: no fork can come between accept and this.
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                var on: Int32 = 1
                // Each reply is one small write that gdb waits for: do not let Nagle hold it back.
                _ = setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                return SocketTransport(descriptor: connection)
            }
            if errno != EINTR { throw GdbProtocolError.connection(call: "accept", errno: errno) }
        }
    }
}

/// A connected debugger.
public final class SocketTransport: ByteTransport {
    let descriptor: Int32
    static let receiveSize = 16384

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    public func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Self.receiveSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            if errno == ECONNRESET { return [] }
            if errno != EINTR { throw GdbProtocolError.connection(call: "recv", errno: errno) }
        }
    }

    public func send(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            // MSG_NOSIGNAL: a debugger gone away is an error here, not a SIGPIPE that kills the replayer.
            let count = bytes[done...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw GdbProtocolError.disconnected }
                throw GdbProtocolError.connection(call: "send", errno: errno)
            }
            done += count
        }
    }
}
