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

    public init?(line: Substring) {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5 else { return nil }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
              let offset = UInt64(fields[2], radix: 16) else { return nil }
        self.start = start
        self.end = end
        self.permissions = String(fields[1])
        self.offset = offset
        self.device = String(fields[3])
        self.inode = UInt64(fields[4]) ?? 0
        self.path = fields.count == 6 ? String(fields[5]).trimmingLeadingSpaces : ""
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
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
        let text = String(decoding: try read("/proc/\(tid)/maps"), as: UTF8.self)
        return text.split(separator: "\n").compactMap(Mapping.init(line:))
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
