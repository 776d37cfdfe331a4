/// The server side of one gdb remote-protocol session, driven by the replay: each time the
/// replay reaches a point the debugger must see (the start, a breakpoint, a finished step, the
/// end) it calls `stopped`, which answers the debugger's packets until the debugger asks the
/// program to move on, and says how.
public final class GdbSession {
    /// Why the program stopped, as a stop reply says it.
    public enum StopReason: Equatable {
        case signal(Int32)
        case softwareBreakpoint
        case hardwareBreakpoint
        /// A watchpoint of this kind on the data at `address` (where gdb set it) was triggered.
        case watchpoint(BreakpointKind, address: UInt64)
        /// Running backwards reached the start of the recording (gdb says "No more reverse-execution history").
        case historyStart
    }

    /// A point the debugger is told about.
    public enum Event: Equatable {
        case stopped(thread: Int32, StopReason)
        /// The program ended with this shell status (128 + N when killed by signal N).
        case exited(shellStatus: Int32)
    }

    /// What the debugger asked for.
    public enum Command: Equatable {
        case resume(ResumeAction, thread: Int32)
        case detach
        case kill
        /// Run the program again (`run` in extended mode), from its start or from where `place`
        /// says (`run`'s first argument); a stop reply is awaited.
        case restart(from: String?)
    }

    public static let sigtrap: Int32 = 5
    static let sigkill: Int32 = 9
    static let signalExitBase: Int32 = 128
    static let supportedFeatures = [
        "PacketSize=\(String(packetSize, radix: 16))", "QStartNoAckMode+", "qXfer:features:read+", "qXfer:auxv:read+",
        "qXfer:exec-file:read+", "qXfer:libraries-svr4:read+", "swbreak+", "hwbreak+", "vContSupported+", "ReverseContinue+", "ReverseStep+", "QPassSignals+",
    ]
    /// The largest packet gdb may send us (it sizes `m` replies and `X` writes by it).
    static let packetSize = 0x4000
    /// Errors as gdbserver numbers them: EFAULT for memory, EINVAL for the rest.
    static let memoryError = "E0e", argumentError = "E16"

    let channel: PacketChannel
    let target: DebugTarget
    var generalThread = ThreadSelector.any
    var resumeThread = ThreadSelector.any
    var event: Event?
    /// A resume was asked for: the next event is its stop reply.
    var awaitingStop = false
    /// gdb said `!`: a kill leaves the server waiting for `vRun`, the session goes on.
    var extended = false
    var killedInExtendedMode = false
    /// The signals (Linux numbers) gdb said to deliver without telling it (QPassSignals).
    public private(set) var passedSignals: Set<Int32> = []

    public init(channel: PacketChannel, target: DebugTarget) {
        self.channel = channel
        self.target = target
    }

    /// Reports `event` (if the debugger is waiting for one) and serves packets until the
    /// debugger says how to go on. Throws `GdbProtocolError` if the connection ends or breaks.
    public func stopped(_ event: Event) throws -> Command {
        self.event = event
        if case let .stopped(thread, _) = event { generalThread = .thread(thread) }
        if awaitingStop {
            awaitingStop = false
            try channel.send(stopReply(event))
        }
        while true {
            let payload: [UInt8]
            do {
                payload = try channel.receive()
            } catch GdbProtocolError.disconnected where killedInExtendedMode {
                return .kill  // gdb killed the program, then left: the session's end
            }
            let request: Request
            do {
                request = try Request.parse(payload)
            } catch {
                try channel.send(Self.argumentError)
                continue
            }
            if let command = try handle(request) { return command }
        }
    }

    func stopReply(_ event: Event) -> String {
        switch event {
        case let .stopped(thread, reason):
            var reply = "T05thread:\(String(thread, radix: 16));"
            switch reason {
            case .signal(let signal): reply = "T" + Hex.encode([UInt8(truncatingIfNeeded: GdbSignals.gdbNumber(linux: signal))]) + reply.dropFirst(3)
            case .softwareBreakpoint: reply += "swbreak:;"
            case .hardwareBreakpoint: reply += "hwbreak:;"
            case let .watchpoint(kind, address):
                let name = kind == .readWatchpoint ? "rwatch" : kind == .accessWatchpoint ? "awatch" : "watch"
                reply += "\(name):\(String(address, radix: 16));"
            case .historyStart: reply += "replaylog:begin;"
            }
            return reply
        case let .exited(status):
            if status >= Self.signalExitBase { return "X" + Hex.encode([UInt8(truncatingIfNeeded: GdbSignals.gdbNumber(linux: status - Self.signalExitBase))]) }
            return "W" + Hex.encode([UInt8(truncatingIfNeeded: status)])
        }
    }

    /// The thread a register or memory request is about.
    var selectedThread: Int32? {
        let threads = target.threads
        if case let .thread(tid) = generalThread, threads.contains(tid) { return tid }
        if case let .stopped(thread, _)? = event, threads.contains(thread) { return thread }
        return threads.first
    }

    /// Whether a program is there to show (not after its end).
    var hasProcess: Bool {
        if case .stopped? = event { return true }
        return false
    }

    /// Answers one request; returns a command when the debugger lets the program go on.
    func handle(_ request: Request) throws -> Command? {
        switch request {
        case .supported:
            try channel.send(Self.supportedFeatures.joined(separator: ";"))
        case .startNoAck:
            try channel.send("OK")
            channel.acknowledges = false
        case let .passSignals(signals):
            passedSignals = Set(signals.compactMap { GdbSignals.linuxNumber(gdb: $0) })
            try channel.send("OK")
        case .haltReason:
            try channel.send(event.map(stopReply) ?? "W00")
        case .readRegisters:
            guard hasProcess, let thread = selectedThread, let values = try? target.registerValues(of: thread) else {
                try channel.send(Self.argumentError)
                break
            }
            try channel.send(Hex.encode(values.flatMap { $0 }))
        case .readRegister(let number):
            guard hasProcess, let thread = selectedThread, let values = try? target.registerValues(of: thread),
                  values.indices.contains(number) else {
                try channel.send(Self.argumentError)
                break
            }
            try channel.send(Hex.encode(values[number]))
        case let .readMemory(address, length):
            guard hasProcess, let thread = selectedThread else { try channel.send(Self.memoryError); break }
            let bytes = target.readMemory(of: thread, at: address, count: length)
            try channel.send(bytes.isEmpty && length > 0 ? Self.memoryError : Hex.encode(bytes))
        case .writeRegisters(let bytes):
            // Register by register, those that change (the target may refuse some, such as x87 tags).
            guard hasProcess, let thread = selectedThread, let current = try? target.registerValues(of: thread),
                  bytes.count == current.reduce(0, { $0 + $1.count }) else { try channel.send(Self.argumentError); break }
            var offset = 0, written = true
            for (number, value) in current.enumerated() {
                let wanted = Array(bytes[offset..<offset + value.count])
                offset += value.count
                // Every register is tried, whether or not an earlier one was refused.
                if wanted != value, !target.writeRegister(of: thread, number: number, value: wanted) { written = false }
            }
            try channel.send(written ? "OK" : Self.argumentError)
        case let .writeRegister(number, value):
            guard hasProcess, let thread = selectedThread, TargetDescription.registers.indices.contains(number),
                  value.count == TargetDescription.registers[number].bytes,
                  target.writeRegister(of: thread, number: number, value: value) else { try channel.send(Self.argumentError); break }
            try channel.send("OK")
        case let .writeMemory(address, bytes):
            guard hasProcess, let thread = selectedThread, target.writeMemory(of: thread, at: address, bytes: bytes) else {
                try channel.send(Self.memoryError)
                break
            }
            try channel.send("OK")
        case let .insertBreakpoint(kind, address, length):
            try channel.send(target.insertBreakpoint(kind, at: address, length: length) ? "OK" : Self.argumentError)
        case let .removeBreakpoint(kind, address, length):
            try channel.send(target.removeBreakpoint(kind, at: address, length: length) ? "OK" : Self.argumentError)
        case .resume(let action, _):
            return try resume(action, thread: resumeThread)
        case .vContQuery:
            try channel.send("vCont;c;C;s;S")
        case .vCont(let actions):
            // One thread runs at a time in replay: a step of a named thread is the request; otherwise all continue.
            if let step = actions.first(where: { $0.action == .step }) {
                return try resume(.step, thread: step.thread ?? resumeThread)
            }
            return try resume(.continue, thread: actions.first?.thread ?? resumeThread)
        case .firstThreads:
            try channel.send("m" + target.threads.map { String($0, radix: 16) }.joined(separator: ","))
        case .nextThreads:
            try channel.send("l")
        case .currentThread:
            try channel.send(selectedThread.map { "QC" + String($0, radix: 16) } ?? "")
        case let .setThread(forResume, thread):
            if case let .thread(tid) = thread, !target.threads.contains(tid) {
                try channel.send(Self.argumentError)
                break
            }
            if forResume { resumeThread = thread } else { generalThread = thread }
            try channel.send("OK")
        case .threadAlive(let tid):
            try channel.send(target.threads.contains(tid) ? "OK" : Self.argumentError)
        case .attached:
            // The replayer started the program: gdb's quit kills it rather than detaching.
            try channel.send("0")
        case .detach:
            try channel.send("OK")
            return .detach
        case .kill(let answered):
            if answered { try channel.send("OK") }
            guard extended else { return .kill }
            // The program is gone for gdb, which may `run` it again.
            event = .exited(shellStatus: Self.signalExitBase + Self.sigkill)
            killedInExtendedMode = true
        case .extendedMode:
            extended = true
            try channel.send("OK")
        case let .run(arguments):
            awaitingStop = true
            killedInExtendedMode = false
            return .restart(from: arguments.first.flatMap { $0.isEmpty ? nil : $0 })
        case let .read(object, annex, offset, length):
            let contents: [UInt8]?
            if object == "features" {
                contents = annex == "target.xml" ? Array(TargetDescription.xml.utf8) : nil
            } else {
                contents = target.object(object, annex: annex)
            }
            guard let contents else { try channel.send(object == "features" ? Self.argumentError : ""); break }
            try channel.send(Self.chunk(of: contents, offset: offset, length: length))
        case .monitor(let command):
            // Output goes in `O` packets (hex text), then the command's `OK`; empty: not known.
            guard let text = target.monitor(command) else { try channel.send(""); break }
            if !text.isEmpty { try channel.send("O" + Hex.encode(Array(text.utf8))) }
            try channel.send("OK")
        case .unknown:
            try channel.send("")
        }
        return nil
    }

    private func resume(_ action: ResumeAction, thread selector: ThreadSelector) throws -> Command? {
        guard case let .stopped(stoppedThread, _)? = event else {
            // Nothing is left to run: the debugger hears the end again.
            try channel.send(event.map(stopReply) ?? "W00")
            return nil
        }
        awaitingStop = true
        if case let .thread(tid) = selector, target.threads.contains(tid) { return .resume(action, thread: tid) }
        return .resume(action, thread: stoppedThread)
    }

    /// A qXfer reply: `m` and a part of the object when more follows, `l` and the rest at its end.
    static func chunk(of contents: [UInt8], offset: Int, length: Int) -> [UInt8] {
        guard offset < contents.count else { return [UInt8(ascii: "l")] }
        let end = min(contents.count, offset + length)
        return [UInt8(ascii: end == contents.count ? "l" : "m")] + contents[offset..<end]
    }
}
