import RRCore
import SystemPackage

/// One line of /proc/<pid>/maps.
public struct Mapping: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var permissions: String
    public var offset: UInt64
    /// The mapped file's device ("major:minor" in hex, "00:00" for anonymous memory) and inode.
    public var device: String
    public var inode: UInt64
    public var path: String

    /// Parses one line of /proc/<pid>/maps ("start-end perms offset dev inode   path"), byte by
    /// byte: the replayer and the recorder read the maps at every asynchronous event, and
    /// splitting strings cost more than the rest of their work there.
    public init?(line: ArraySlice<UInt8>) {
        var index = line.startIndex
        func hex(until terminator: UInt8) -> UInt64? {
            var value: UInt64 = 0, digits = 0
            while index < line.endIndex, line[index] != terminator {
                let byte = line[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                value = value << 4 | UInt64(digit)
                digits += 1
                index += 1
            }
            guard index < line.endIndex, digits > 0 else { return nil }
            index += 1
            return value
        }
        func field() -> ArraySlice<UInt8> {
            let start = index
            while index < line.endIndex, line[index] != UInt8(ascii: " ") { index += 1 }
            defer { if index < line.endIndex { index += 1 } }
            return line[start..<index]
        }
        guard let start = hex(until: UInt8(ascii: "-")), let end = hex(until: UInt8(ascii: " ")) else { return nil }
        let permissions = field()
        guard let offset = hex(until: UInt8(ascii: " ")) else { return nil }
        let device = field(), inode = field()
        guard permissions.count == 4, !device.isEmpty, !inode.isEmpty else { return nil }
        while index < line.endIndex, line[index] == UInt8(ascii: " ") { index += 1 }
        self.start = start
        self.end = end
        self.permissions = String(decoding: permissions, as: UTF8.self)
        self.offset = offset
        self.device = String(decoding: device, as: UTF8.self)
        self.inode = UInt64(String(decoding: inode, as: UTF8.self)) ?? 0
        self.path = String(decoding: line[index...], as: UTF8.self)
    }
}

/// Reads small /proc files of a tracee.
public enum ProcFiles {
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = try withErrno("open \(path)") { try FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) }
        defer { try? fd.close() }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try withErrno("read \(path)") {
                try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            }
            if n == 0 { return result }
            result += chunk[0..<n]
        }
    }

    public static func maps(of tid: Tid) throws -> [Mapping] {
        try read("/proc/\(tid)/maps").split(separator: UInt8(ascii: "\n")).compactMap(Mapping.init(line:))
    }

    /// NUL-separated byte strings (cmdline, environ), kept as bytes: they need not be UTF-8.
    public static func byteStrings(_ path: String) throws -> [[UInt8]] {
        var parts = try read(path).split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
        if parts.last == [] { parts.removeLast() }
        return parts
    }

    /// NUL-separated strings (cmdline, environ).
    public static func strings(_ path: String) throws -> [String] {
        var parts = try read(path).split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// The "Name:\tvalue" lines of /proc/<tid>/status.
    public static func statusFields(of tid: Tid) throws -> [String: String] {
        let text = String(decoding: try read("/proc/\(tid)/status"), as: UTF8.self)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1].drop { $0 == " " || $0 == "\t" }) }
        }
        return fields
    }

    /// The auxiliary vector as (type, value) pairs.
    public static func auxv(of tid: Tid) throws -> [UInt64: UInt64] {
        let bytes = try read("/proc/\(tid)/auxv")
        var result: [UInt64: UInt64] = [:]
        bytes.withUnsafeBytes { raw in
            for index in stride(from: 0, to: raw.count - 15, by: 16) {
                let key = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if key == 0 { break }
                result[key] = raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
            }
        }
        return result
    }
}
