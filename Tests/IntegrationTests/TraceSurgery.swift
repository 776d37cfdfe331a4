import Foundation
import RRCore
import RRTrace
import SystemPackage

/// Rewrites traces for tests that need a trace the recorder would never produce.
enum TraceSurgery {
    static func messages(of trace: URL) throws -> [Message] {
        let fd = try FileDescriptor.open(trace.path, .readOnly)
        defer { try? fd.close() }
        let reader = try StreamReader(input: fd)
        var messages: [Message] = []
        while let message = try reader.next() { messages.append(message) }
        return messages
    }

    static func write(_ messages: [Message], to trace: URL) throws {
        let fd = try FileDescriptor.open(trace.path, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        defer { try? fd.close() }
        let writer = try StreamWriter(output: fd)
        for message in messages { try writer.append(message.framed()) }
        try writer.finish()
    }

    /// Applies `change` to the first syscall event it accepts (returns non-nil for).
    static func rewriteFirstSyscall(in trace: URL, to output: URL, _ change: (SyscallEvent) -> SyscallEvent?) throws -> Bool {
        var changed = false
        let messages = try messages(of: trace).map { message -> Message in
            guard !changed, case let .event(.syscall(event)) = message, let updated = change(event) else { return message }
            changed = true
            return .event(.syscall(updated))
        }
        try write(messages, to: output)
        return changed
    }

    /// One buffered syscall as a flush carries it.
    struct BufferedRecord {
        var tid: Tid
        var number: SyscallNumber
        var result: Int64
        var output: [UInt8]
    }

    /// Applies `change` to the first buffered syscall record it accepts (changes and returns true
    /// for); the record keeps its size.
    static func rewriteFirstBufferedRecord(in trace: URL, to output: URL, _ change: (inout BufferedRecord) -> Bool) throws -> Bool {
        var changed = false
        let messages = try messages(of: trace).map { message -> Message in
            guard !changed, case var .event(.bufferFlush(flush)) = message else { return message }
            var position = 0
            while position + 16 <= flush.records.count {
                let size = Int(flush.records.loadLittleEndian(UInt32.self, at: position))
                var record = BufferedRecord(tid: flush.tid,
                                            number: SyscallNumber(Int64(Int32(bitPattern: flush.records.loadLittleEndian(UInt32.self, at: position + 4)))),
                                            result: Int64(bitPattern: flush.records.loadLittleEndian(UInt64.self, at: position + 8)),
                                            output: Array(flush.records[(position + 16)..<(position + size)]))
                if change(&record) {
                    var bytes = withUnsafeBytes(of: UInt32(size).littleEndian) { Array($0) }
                    bytes += withUnsafeBytes(of: Int32(record.number.rawValue).littleEndian) { Array($0) }
                    bytes += withUnsafeBytes(of: record.result.littleEndian) { Array($0) }
                    bytes += record.output.prefix(size - 16) + [UInt8](repeating: 0, count: max(0, size - 16 - record.output.count))
                    flush.records.replaceSubrange(position..<(position + size), with: bytes)
                    changed = true
                    return .event(.bufferFlush(flush))
                }
                position += max(size, 16)
            }
            return message
        }
        try write(messages, to: output)
        return changed
    }
}
