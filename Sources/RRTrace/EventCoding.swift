import RRCore

/// Byte layout of each event (protocol/README.md, "Events"). The first byte names the event kind.
enum EventCoding {
    enum Kind: UInt8 { case exec = 1, syscall = 2, instructionTrap = 3, signal = 4, exit = 5, syscallEntry = 6, taskCreated = 7, patch = 8, preemption = 9 }

    static func encode(_ event: TraceEvent, into out: inout ByteWriter) {
        switch event {
        case let .exec(e):
            out.u8(Kind.exec.rawValue)
            out.i32(e.tid.rawValue)
            encode(e.executable, into: &out)
            out.u8(e.interpreter == nil ? 0 : 1)
            if let interpreter = e.interpreter { encode(interpreter, into: &out) }
            out.blobs(e.arguments)
            out.blobs(e.environment)
            encode(e.registers, into: &out)
            out.blob(e.stackBytes)
            out.u64(e.ignoredSignals)
            out.u64(e.blockedSignals)
            out.i32(e.formerTid?.rawValue ?? 0)
            // Optional at the end (older traces stop after formerTid): only written when there are any.
            if !e.writes.isEmpty { encode(e.writes, into: &out) }
        case let .syscall(e):
            out.u8(Kind.syscall.rawValue)
            out.i32(e.tid.rawValue)
            out.i64(e.number.rawValue)
            e.arguments.forEach { out.u64($0) }
            out.i64(e.result)
            out.u64(e.entryDigest)
            out.u8(e.echo.rawValue)
            out.u8(e.mappedFile == nil ? 0 : 1)
            if let file = e.mappedFile { encode(file, into: &out) }
            encode(e.writes, into: &out)
            out.u8(e.outputDigest == nil ? 0 : 1)
            if let digest = e.outputDigest { out.u64(digest) }
            // Optional at the end, like an exec's writes: older traces stop after the digest.
            if !e.storedWrites.isEmpty { encode(e.storedWrites, into: &out) }
        case let .instructionTrap(e):
            out.u8(Kind.instructionTrap.rawValue)
            out.i32(e.tid.rawValue)
            out.u8(e.kind.rawValue)
            [e.rip, e.rax, e.rdx, e.rcx].forEach { out.u64($0) }
        case let .signal(e):
            out.u8(Kind.signal.rawValue)
            out.i32(e.tid.rawValue)
            out.i32(e.signal.rawValue)
            out.raw(e.siginfo)
            // The position's kind, with 0x80 set when the handler frame's trap words follow.
            let withFrame: UInt8 = e.frame == nil ? 0 : Self.frameFollows
            switch e.position {
            case .atFault: out.u8(0 | withFrame)
            case .afterPreviousEvent: out.u8(1 | withFrame)
            case let .userSpace(position):
                out.u8(Self.userSpacePosition | withFrame)
                encode(position, into: &out)
            }
            if let frame = e.frame { [frame.err, frame.trapno, frame.cr2].forEach { out.u64($0) } }
            if case let .userSpace(position) = e.position, let pointed = position.pointedMemory { [pointed.near, pointed.far].forEach { out.u64($0) } }
        case let .preemption(e):
            out.u8(Kind.preemption.rawValue)
            out.i32(e.tid.rawValue)
            encode(e.position, into: &out)
            if let pointed = e.position.pointedMemory { [pointed.near, pointed.far].forEach { out.u64($0) } }
        case let .exit(e):
            out.u8(Kind.exit.rawValue)
            out.i32(e.tid.rawValue)
            out.i32(e.waitStatus)
            out.u8(e.finalRegisters == nil ? 0 : 1)
            if let registers = e.finalRegisters { encode(registers, into: &out) }
        case let .syscallEntry(e):
            out.u8(Kind.syscallEntry.rawValue)
            out.i32(e.tid.rawValue)
            out.i64(e.number.rawValue)
            e.arguments.forEach { out.u64($0) }
            out.u64(e.entryDigest)
        case let .taskCreated(e):
            out.u8(Kind.taskCreated.rawValue)
            out.i32(e.tid.rawValue)
            out.i32(e.child.rawValue)
            out.i64(e.number.rawValue)
            e.arguments.forEach { out.u64($0) }
            out.u64(e.entryDigest)
        case let .patch(e):
            out.u8(Kind.patch.rawValue)
            out.i32(e.tid.rawValue)
            out.i64(e.number.rawValue)
            e.arguments.forEach { out.u64($0) }
            out.u64(e.entryDigest)
            out.u64(e.site)
            encode(e.writes, into: &out)
        case let .bufferFlush(e):
            encode(e, into: &out)
        }
    }

    /// A flush is a message of its own (type 4): tid, offset, flags, records.
    static func encode(_ flush: SyscallBufferFlush, into out: inout ByteWriter) {
        out.i32(flush.tid.rawValue)
        out.u32(flush.offset)
        out.u8(flush.flags.rawValue)
        out.blob(flush.records)
    }

    static func decodeFlush(_ input: inout ByteReader) throws -> SyscallBufferFlush {
        SyscallBufferFlush(tid: Tid(try input.i32()), offset: try input.u32(),
                           flags: SyscallBufferFlush.Flags(rawValue: try input.u8()), records: try input.blob())
    }

    static func encode(_ writes: [MemoryWrite], into out: inout ByteWriter) {
        out.u32(UInt32(writes.count))
        for write in writes {
            out.u64(write.address)
            out.blob(write.bytes)
        }
    }

    static func decodeWrites(_ input: inout ByteReader) throws -> [MemoryWrite] {
        let count = try input.count(of: "memory writes", minimumSize: 12, limit: .max)
        var writes: [MemoryWrite] = []
        for _ in 0..<count { writes.append(MemoryWrite(address: try input.u64(), bytes: try input.blob())) }
        return writes
    }

    static func encode(_ writes: [StoredWrite], into out: inout ByteWriter) {
        out.u32(UInt32(writes.count))
        for write in writes {
            out.u64(write.address)
            out.u32(UInt32(write.pieces.count))
            for piece in write.pieces {
                out.raw(piece.hash.bytes)
                out.u32(piece.size)
            }
        }
    }

    static func decodeStoredWrites(_ input: inout ByteReader) throws -> [StoredWrite] {
        let count = try input.count(of: "stored writes", minimumSize: 12, limit: .max)
        var writes: [StoredWrite] = []
        for _ in 0..<count {
            let address = try input.u64()
            let pieceCount = try input.count(of: "stored pieces", minimumSize: 36, limit: .max)
            let pieces = try (0..<pieceCount).map { _ in StoredWrite.Piece(hash: ContentHash(bytes: try input.raw(32)), size: try input.u32()) }
            writes.append(StoredWrite(address: address, pieces: pieces))
        }
        return writes
    }

    static func decode(_ input: inout ByteReader) throws -> TraceEvent {
        let rawKind = try input.u8()
        guard let kind = Kind(rawValue: rawKind) else { throw RRError.corruptTrace("unknown event kind \(rawKind)") }
        let tid = Tid(try input.i32())
        switch kind {
        case .exec:
            let executable = try decodeFile(&input)
            let interpreter = try input.u8() == 0 ? nil : try decodeFile(&input)
            var exec = ExecEvent(tid: tid, executable: executable, interpreter: interpreter,
                                 arguments: try input.blobs(), environment: try input.blobs(),
                                 registers: try decodeRegisters(&input), stackBytes: try input.blob())
            exec.ignoredSignals = try input.u64()
            exec.blockedSignals = try input.u64()
            let former = try input.i32()
            exec.formerTid = former == 0 ? nil : Tid(former)
            if !input.isAtEnd { exec.writes = try decodeWrites(&input) }
            return .exec(exec)
        case .syscall:
            let number = SyscallNumber(try input.i64())
            let arguments = try (0..<6).map { _ in try input.u64() }
            let result = try input.i64()
            let digest = try input.u64()
            guard let echo = OutputStream(rawValue: try input.u8()) else { throw RRError.corruptTrace("bad echo stream") }
            let mapped = try input.u8() == 0 ? nil : try decodeFile(&input)
            let writes = try decodeWrites(&input)
            var event = SyscallEvent(tid: tid, number: number, arguments: arguments, result: result,
                                     entryDigest: digest, writes: writes, mappedFile: mapped, echo: echo)
            event.outputDigest = try input.u8() == 0 ? nil : try input.u64()
            if !input.isAtEnd { event.storedWrites = try decodeStoredWrites(&input) }
            return .syscall(event)
        case .instructionTrap:
            guard let trapKind = InstructionTrapEvent.Kind(rawValue: try input.u8()) else {
                throw RRError.corruptTrace("bad instruction trap kind")
            }
            return .instructionTrap(InstructionTrapEvent(tid: tid, kind: trapKind, rip: try input.u64(),
                                                         rax: try input.u64(), rdx: try input.u64(), rcx: try input.u64()))
        case .signal:
            let signal = SignalNumber(try input.i32())
            let siginfo = try input.raw(128)
            var position: SignalPosition
            let kind = try input.u8()
            switch kind & ~Self.frameFollows {
            case 0: position = .atFault
            case 1: position = .afterPreviousEvent
            case 2: throw RRError.corruptTrace("a signal in user code named by rip and register digest only (recorded by an early build; it cannot be replayed)")
            case Self.userSpacePosition: position = .userSpace(try decodePosition(&input))
            case let other: throw RRError.corruptTrace("bad signal position \(other)")
            }
            let frame = kind & Self.frameFollows == 0 ? nil : TrapFrameWords(err: try input.u64(), trapno: try input.u64(), cr2: try input.u64())
            if case var .userSpace(located) = position, !input.isAtEnd {
                located.pointedMemory = PointedMemoryDigests(near: try input.u64(), far: try input.u64())
                position = .userSpace(located)
            }
            return .signal(SignalEvent(tid: tid, signal: signal, siginfo: siginfo, position: position, frame: frame))
        case .exit:
            let status = try input.i32()
            let registers = try input.u8() == 0 ? nil : try decodeRegisters(&input)
            return .exit(ExitEvent(tid: tid, waitStatus: status, finalRegisters: registers))
        case .syscallEntry:
            return .syscallEntry(SyscallEntryEvent(tid: tid, number: SyscallNumber(try input.i64()),
                                                   arguments: try (0..<6).map { _ in try input.u64() }, entryDigest: try input.u64()))
        case .taskCreated:
            return .taskCreated(TaskCreatedEvent(tid: tid, child: Tid(try input.i32()), number: SyscallNumber(try input.i64()),
                                                 arguments: try (0..<6).map { _ in try input.u64() }, entryDigest: try input.u64()))
        case .preemption:
            var position = try decodePosition(&input)
            if !input.isAtEnd { position.pointedMemory = PointedMemoryDigests(near: try input.u64(), far: try input.u64()) }
            return .preemption(PreemptionEvent(tid: tid, position: position))
        case .patch:
            return .patch(PatchEvent(tid: tid, number: SyscallNumber(try input.i64()), arguments: try (0..<6).map { _ in try input.u64() },
                                     entryDigest: try input.u64(), site: try input.u64(), writes: try decodeWrites(&input)))
        }
    }

    /// Signal positions: 3 is a point in user code (2 was an early form without memory digest).
    static let userSpacePosition: UInt8 = 3, frameFollows: UInt8 = 0x80

    /// Registers, then the extended-state digest, the memory digest and the user time. The
    /// pointed-memory digests, added later, end the event that holds the position (optional).
    static func encode(_ position: UserPosition, into out: inout ByteWriter) {
        encode(position.registers, into: &out)
        out.u64(position.extendedStateDigest)
        out.u64(position.memoryDigest)
        out.u64(position.userTime)
        out.u32(UInt32(position.syscallBuffers.count))
        position.syscallBuffers.forEach { out.u64($0) }
    }

    static func decodePosition(_ input: inout ByteReader) throws -> UserPosition {
        let registers = try decodeRegisters(&input)
        let extendedState = try input.u64(), memory = try input.u64(), userTime = try input.u64()
        let count = try input.count(of: "syscall buffers", minimumSize: 8, limit: 1 << 16)
        return UserPosition(registers: registers, extendedStateDigest: extendedState, memoryDigest: memory, userTime: userTime,
                            syscallBuffers: try (0..<count).map { _ in try input.u64() })
    }

    static func encode(_ file: MappedFile, into out: inout ByteWriter) {
        out.string(file.path)
        out.raw(file.hash.bytes)
        out.u64(file.size)
    }

    static func decodeFile(_ input: inout ByteReader) throws -> MappedFile {
        MappedFile(path: try input.string(), hash: ContentHash(bytes: try input.raw(32)), size: try input.u64())
    }

    static func encode(_ registers: Registers, into out: inout ByteWriter) {
        registers.words.forEach { out.u64($0) }
    }

    static func decodeRegisters(_ input: inout ByteReader) throws -> Registers {
        Registers(words: try (0..<Registers.wordCount).map { _ in try input.u64() })
    }
}
