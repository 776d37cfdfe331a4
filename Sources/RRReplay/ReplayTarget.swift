import RRCore
import RRGdb
import RRPtrace

/// What the debugger sees of a replay: one process's threads (by their recorded tids),
/// their registers and memory, and the debugger's breakpoints.
///
/// Software breakpoints are int3 bytes written into the program's code. The replay's own
/// comparisons never see them: memory digests cover only writable mappings, and a hit is taken
/// back (the pc moved to the breakpoint) before replay sees the stop. Hardware breakpoints and
/// watchpoints share debug registers 1-3; register 0 is the replay's search for recorded points
/// (ReplayPositions.swift). A watchpoint takes a register for each aligned piece of 1, 2, 4 or 8
/// bytes of its range. It sees the program's own instructions (the preload library's copies of
/// buffered results included); what replay writes through ptrace (a traced syscall's recorded
/// output) is compared with the watchpoints instead (`ReplayDebugger.syscallWrote`).
final class ReplayTarget {
    unowned var replayer: Replayer!
    /// Software breakpoints: address -> the byte the int3 replaced.
    var softwareBreakpoints: [UInt64: UInt8] = [:]
    /// Hardware breakpoints, in the order of the debug registers they are armed in.
    var hardwareBreakpoints: [UInt64] = []
    /// Watchpoints, in the order gdb set them.
    var watchpoints: [Watchpoint] = []
    struct Watchpoint: Equatable {
        var kind: BreakpointKind
        var address: UInt64
        var length: Int
        var pieces: [DebugRegisterUse.DataWatch] {
            DebugRegisterUse.alignedPieces(address: address, length: length).map {
                DebugRegisterUse.DataWatch(address: $0.address, length: $0.length, access: kind == .writeWatchpoint ? .write : .readOrWrite)
            }
        }
    }

    /// What debug registers 1-3 hold for the debugger: its hardware breakpoints, then the pieces
    /// of its watchpoints, each with the watchpoint it belongs to.
    var debugRegisterUses: [(use: DebugRegisterUse, watchpoint: Watchpoint?)] {
        hardwareBreakpoints.map { (DebugRegisterUse.execute($0), nil) }
            + watchpoints.flatMap { watchpoint in watchpoint.pieces.map { (DebugRegisterUse.watch($0), watchpoint) } }
    }
    static let int3: UInt8 = 0xcc
    static let hardwareSlots = Array(1..<Tracee.executionBreakpointSlots)
    static let pageSize: UInt64 = 4096

    /// The debugged process, by its recorded pid: the main one unless `replay -p` chose another.
    var debuggedProcess: Tid?
    var processLeader: Tid { debuggedProcess ?? replayer.mainTid }
    /// The event from which the debugged process holds the image the debugger's breakpoints are
    /// for (after its exec, for a process chosen by its command).
    var debuggedSince: UInt64 = 0
    /// The path of the debugged process's program when another than the main one's.
    var debuggedExecutable: String?
    /// Called before the debugger changes a register or memory: whether a diversion (a change
    /// that replay then undoes) is under way or could start (ReplayDebugger.beginDiversion).
    var beginsDiversion: (() -> Bool)?
    /// Whether a diversion is under way (a function gdb calls: its orig_rax write then counts).
    var isDiverted: (() -> Bool)?
    /// The debugger's answer to a checkpoint command (`monitor checkpoint` & co), nil if not one.
    var checkpointCommand: (([Substring]) -> String?)?

    /// The debugged process's threads, its main thread first.
    var processTasks: [ReplayTask] {
        guard let main = replayer.tasks[processLeader] else { return [] }
        let group = try? ProcFiles.statusFields(of: main.tracee.tid)["Tgid"]
        let others = replayer.tasks.values.filter {
            $0 !== main && group != nil && (try? ProcFiles.statusFields(of: $0.tracee.tid)["Tgid"]) == group
        }
        return [main] + others.sorted { $0.recordedTid.rawValue < $1.recordedTid.rawValue }
    }

    func task(_ thread: Int32) -> ReplayTask? { processTasks.first { $0.recordedTid.rawValue == thread } }
}

extension ReplayTarget: DebugTarget {
    public var processID: Int32 { processLeader.rawValue }

    public var threads: [Int32] { processTasks.map(\.recordedTid.rawValue) }

    public func registerValues(of thread: Int32) throws -> [[UInt8]] {
        guard let task = task(thread) else { return [] }
        let registers = try task.tracee.registers()
        var general: [String: UInt64] = [:]
        for (name, word) in zip(Registers.names, registers.words) { general[name] = word }
        return TargetDescription.values(general: general, xsave: try task.tracee.extendedState())
    }

    public func readMemory(of thread: Int32, at address: UInt64, count: Int) -> [UInt8] {
        guard let task = task(thread) else { return [] }
        // Page by page, so that a read running into unmapped memory returns what precedes it.
        var bytes: [UInt8] = []
        var next = address
        while bytes.count < count {
            let inPage = Int(min(UInt64(count - bytes.count), Self.pageSize - next % Self.pageSize))
            guard let part = try? task.tracee.readMemory(at: next, count: inPage) else { break }
            bytes += part
            next += UInt64(inPage)
        }
        // gdb leaves Z0 breakpoints to the server and expects reads to show the program's own bytes.
        for (breakpoint, original) in softwareBreakpoints where breakpoint >= address && breakpoint - address < UInt64(bytes.count) {
            bytes[Int(breakpoint - address)] = original
        }
        return bytes
    }

    public func insertBreakpoint(_ kind: BreakpointKind, at address: UInt64, length: Int) -> Bool {
        switch kind {
        case .software:
            if softwareBreakpoints[address] != nil { return true }
            guard let task = processTasks.first, let original = try? task.tracee.readMemory(at: address, count: 1).first,
                  (try? task.tracee.writeMemory(at: address, bytes: [Self.int3])) != nil else { return false }
            softwareBreakpoints[address] = original
            return true
        case .hardware:
            if hardwareBreakpoints.contains(address) { return true }
            guard debugRegisterUses.count < Self.hardwareSlots.count else { return false }
            hardwareBreakpoints.append(address)
            return true
        case .writeWatchpoint, .readWatchpoint, .accessWatchpoint:
            let watchpoint = Watchpoint(kind: kind, address: address, length: length)
            if watchpoints.contains(watchpoint) { return true }
            guard length > 0, address <= UInt64.max - UInt64(length),
                  debugRegisterUses.count + watchpoint.pieces.count <= Self.hardwareSlots.count else { return false }
            watchpoints.append(watchpoint)
            return true
        }
    }

    public func removeBreakpoint(_ kind: BreakpointKind, at address: UInt64, length: Int) -> Bool {
        switch kind {
        case .software:
            guard let original = softwareBreakpoints[address] else { return false }
            // Forgotten even where the code is not mapped now (a library after going back to
            // the start): gdb inserts it again once the library is there.
            softwareBreakpoints[address] = nil
            if let task = processTasks.first { _ = try? task.tracee.writeMemory(at: address, bytes: [original]) }
            return true
        case .hardware:
            guard let index = hardwareBreakpoints.firstIndex(of: address) else { return false }
            hardwareBreakpoints.remove(at: index)
            return true
        case .writeWatchpoint, .readWatchpoint, .accessWatchpoint:
            guard let index = watchpoints.firstIndex(of: Watchpoint(kind: kind, address: address, length: length)) else { return false }
            watchpoints.remove(at: index)
            return true
        }
    }

    /// NT_PRFPREG: the FXSAVE image, where x87 and SSE registers are written; NT_X86_XSTATE.
    static let floatingPointNote: UInt64 = 2, extendedStateNote: UInt64 = 0x202
    /// The low byte of XSTATE_BV, the XSAVE header's bitmap of components in use.
    static let xstateBitmapOffset = 512

    public func writeRegister(of thread: Int32, number: Int, value: [UInt8]) -> Bool {
        let register = TargetDescription.registers[number]
        // gdb sets orig_rax to -1 when it starts a program (`run`) so that the kernel restarts
        // no syscall there; replay makes the recorded restarts itself: taken, not applied.
        if register.source == .general("orig_rax"), isDiverted?() != true { return task(thread) != nil }
        guard let task = task(thread), beginsDiversion?() == true else { return false }
        do {
            switch register.source {
            case .general(let name):
                guard let index = Registers.names.firstIndex(of: name) else { return false }
                var registers = try task.tracee.registers()
                let word = value.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                registers.words[index] = word
                try task.tracee.setRegisters(registers)
            case let .xsave(offset, width) where offset < TargetDescription.fxsaveBytes:
                var image = try task.tracee.registerSet(Self.floatingPointNote, maximumLength: TargetDescription.fxsaveBytes)
                guard image.count >= offset + width else { return false }
                image.replaceSubrange(offset..<offset + width, with: value.prefix(width))
                try task.tracee.setRegisterSet(Self.floatingPointNote, bytes: image)
            case let .xsave(offset, width):
                // An AVX or AVX-512 part: the XSAVE image, its component marked in use (XSTATE_BV)
                // or the kernel would take the component's initial state instead.
                var image = try task.tracee.extendedState()
                guard image.count >= offset + width, let component = TargetDescription.xsaveComponent(containing: offset) else { return false }
                image.replaceSubrange(offset..<offset + width, with: value.prefix(width))
                image[Self.xstateBitmapOffset] |= UInt8(1 << component)
                try task.tracee.setRegisterSet(Self.extendedStateNote, bytes: image)
            case .x87Opcode, .x87TagWord:
                // Derived values: only their current value can be written back.
                return (try? registerValues(of: thread))?[number] == value
            }
            return true
        } catch {
            return false
        }
    }

    public func writeMemory(of thread: Int32, at address: UInt64, bytes: [UInt8]) -> Bool {
        guard let task = task(thread), beginsDiversion?() == true else { return false }
        var written = bytes
        // A software breakpoint in the range stays in: its saved byte takes the new value.
        for (breakpoint, _) in softwareBreakpoints where breakpoint >= address && breakpoint - address < UInt64(bytes.count) {
            softwareBreakpoints[breakpoint] = bytes[Int(breakpoint - address)]
            written[Int(breakpoint - address)] = Self.int3
        }
        return (try? task.tracee.writeMemory(at: address, bytes: written)) != nil
    }

    /// `monitor when` (the event replay is at, as `-g` takes it: rr's name for the command) and the checkpoint commands.
    public func monitor(_ command: String) -> String? {
        let words = command.split(separator: " ")
        switch words.joined(separator: " ") {
        case "when": return "Current event: \(replayer.eventIndex)\n"
        case "help":
            return """
            when: the number of the event being replayed (replay -g N starts at event N; so does gdb's run N)
            checkpoint: names the current point checkpoint N (gdb's run cN, or restart N, goes back to it)
            info checkpoints, delete checkpoint N: list, forget

            """
        default: return checkpointCommand?(words)
        }
    }

    public func object(_ name: String, annex: String) -> [UInt8]? {
        switch name {
        case "libraries-svr4":
            return svr4LibraryList()
        case "exec-file":
            return (debuggedExecutable ?? replayer.debuggedExecutable).map { Array($0.utf8) }
        case "auxv":
            // The kernel's copy from the replayed exec: the layout (entry, phdr, interpreter base) is the recorded one.
            guard let main = processTasks.first else { return nil }
            return try? ProcFiles.read("/proc/\(main.tracee.tid)/auxv")
        default:
            return nil
        }
    }
}
