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
}
