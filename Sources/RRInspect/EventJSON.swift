import RRCore

extension TraceEvent {
    /// The event as `rr-launch dump --json` prints it.
    public func json(index: UInt64) -> JSON {
        var fields: [(String, JSON)] = [("index", .unsigned(index)), ("kind", .string(kindName)), ("tid", .int(Int64(tid.rawValue)))]
        func hex(_ value: UInt64) -> JSON { .string("0x" + String(value, radix: 16)) }
        switch self {
        case let .exec(e):
            fields += [("executable", .string(e.executable.path)), ("sha256", .string(e.executable.hash.hex)),
                       ("interpreter", e.interpreter.map { .string($0.path) } ?? .null),
                       ("arguments", .array(e.arguments.map { .string(String(decoding: $0, as: UTF8.self)) })),
                       ("rip", hex(e.registers.rip)), ("rsp", hex(e.registers.rsp))]
        case let .syscall(e):
            fields += [("syscall", .string(e.number.name)), ("number", .int(e.number.rawValue)),
                       ("arguments", .array(e.arguments.map(hex))), ("result", .int(e.result)),
                       ("writes", .array(e.writes.map { .object([("address", hex($0.address)), ("bytes", .int(Int64($0.bytes.count)))]) }))]
            if !e.storedWrites.isEmpty {
                fields.append(("stored_writes", .array(e.storedWrites.map {
                    .object([("address", hex($0.address)), ("bytes", .int(Int64($0.length))), ("pieces", .int(Int64($0.pieces.count)))])
                })))
            }
            if let file = e.mappedFile { fields.append(("mapped_file", .string(file.path))) }
            if e.echo != .none { fields.append(("echo", .string(e.echo == .stdout ? "stdout" : "stderr"))) }
        case let .syscallEntry(e):
            fields += [("syscall", .string(e.number.name)), ("arguments", .array(e.arguments.map(hex)))]
        case let .taskCreated(e):
            fields += [("syscall", .string(e.number.name)), ("child", .int(Int64(e.child.rawValue))),
                       ("arguments", .array(e.arguments.map(hex)))]
        case let .instructionTrap(e):
            fields += [("instruction", .string(e.kind.name)), ("rip", hex(e.rip)),
                       ("rax", hex(e.rax)), ("rdx", hex(e.rdx))]
        case let .signal(e):
            fields += [("signal", .string(e.signal.description)), ("number", .int(Int64(e.signal.rawValue))),
                       ("position", .string(e.position.description))]
            if case let .userSpace(position) = e.position { fields += position.jsonFields }
        case let .preemption(e):
            fields += e.position.jsonFields
        case let .exit(e):
            fields += [("status", .int(Int64(e.shellStatus))), ("wait_status", hex(UInt64(UInt32(bitPattern: e.waitStatus))))]
        case let .patch(e):
            fields += [("syscall", .string(e.number.name)), ("site", hex(e.site)),
                       ("writes", .array(e.writes.map { .object([("address", hex($0.address)), ("bytes", .int(Int64($0.bytes.count)))]) }))]
        case let .bufferFlush(e):
            var flags: [JSON] = []
            if e.flags.contains(.reset) { flags.append(.string("reset")) }
            if e.flags.contains(.blockedInNext) { flags.append(.string("blocked_in_next")) }
            if e.flags.contains(.stoppedAfterNextSyscall) { flags.append(.string("stopped_after_next_syscall")) }
            fields += [("offset", .int(Int64(e.offset))), ("bytes", .int(Int64(e.records.count))), ("flags", .array(flags)),
                       ("calls", .array(e.calls.map { .object([("syscall", .string($0.number.name)), ("result", .int($0.result))]) }))]
        }
        return .object(fields)
    }

    /// One line for the text form of `dump`.
    public func line(index: UInt64) -> String {
        let detail: String
        switch self {
        case let .syscall(e): detail = e.summary(withArguments: true) + (e.writes.isEmpty ? "" : " writes \(e.writes.reduce(0) { $0 + $1.bytes.count }) bytes")
            + (e.storedWrites.isEmpty ? "" : " stored \(e.storedWrites.reduce(0) { $0 + $1.length }) bytes")
        case let .signal(e): detail = "signal \(e.signal) (\(e.position.description))"
        case let .bufferFlush(e):
            detail = summary + ": " + e.calls.map { "\($0.number.name)=\($0.result)" }.joined(separator: " ")
        default: detail = summary
        }
        return "\(index)\ttid \(tid)\t\(detail)"
    }
}

extension SignalPosition: CustomStringConvertible {
    public var description: String {
        switch self {
        case .atFault: "at fault"
        case .afterPreviousEvent: "after previous event"
        case let .userSpace(position): "in user space at 0x\(String(position.registers.rip, radix: 16))"
        }
    }
}

extension UserPosition {
    var jsonFields: [(String, JSON)] {
        [("rip", .string("0x" + String(registers.rip, radix: 16))), ("rsp", .string("0x" + String(registers.rsp, radix: 16))),
         ("memory_digest", .string(String(memoryDigest, radix: 16))),
         ("pointed_memory_digests", pointedMemory.map { .array([.string(String($0.near, radix: 16)), .string(String($0.far, radix: 16))]) } ?? .null),
         ("extended_state_digest", .string(String(extendedStateDigest, radix: 16))), ("user_time_ns", .int(Int64(userTime)))]
    }
}
