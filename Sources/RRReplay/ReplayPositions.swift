import RRCore
import RRPtrace

/// Finding a recorded point in user code again (a preemption, a signal that arrived while the
/// thread computed). The thread runs from its previous event with an execution breakpoint (a
/// debug register) on the recorded instruction; at each hit the registers, then the extended
/// state and the memory digest, are compared with the recording. The first hit where all match
/// is the point: an earlier visit with everything equal would have the same future. After a few
/// visits the debug register gives way to a search trampoline where the code allows one
/// (SearchTrampoline.swift): the thread then compares its registers itself at each visit and
/// stops only when they match.
extension Replayer {
    /// A search gives up, as a divergence, when the thread has used half as much user time
    /// again as it had when recorded at the point, or as much again since the search began
    /// (whichever is later), and this much more (it never comes there).
    static let searchSlack: UInt64 = 1_000_000_000
    /// Visits of the address after which a search gives up (about ten minutes of them): where
    /// the address is hot, user time grows too slowly to bound the search by itself.
    static let mostHits = 15_000_000
    /// Debug-register visits after which a search moves to a trampoline (SearchTrampoline.swift).
    static let visitsBeforeTrampoline = 8

    /// The register (x86 number) that differs from the target's in most `visits`; nil when
    /// none does (the memory does: only a trampoline that tests memory helps).
    static func mostChangingRegister(in visits: [Registers], target: Registers, ignoring: [Int]) -> Int? {
        let counts = (0..<16).map { register in
            ignoring.contains(register) ? 0 : visits.filter { $0[encoded: register] != target[encoded: register] }.count
        }
        guard let best = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[best] > 0 else { return nil }
        return best
    }

    func reach(_ target: UserPosition, on task: ReplayTask, describe: String) throws {
        switch task.position {
        case .atSyscallEntry, .inSyscall, .exiting:
            throw divergence(describe, "the thread is inside a syscall")
        default: break
        }
        // The code is read before any patch: the instruction may be a repeated move.
        let code = (try? task.tracee.readMemory(at: target.registers.rip, count: 16)) ?? []
        let repeatedMove = RepeatedMove.length(of: code)
        var excluded = target.unhashedMemory + RepeatedMove.unsettledMemory(code: code, registers: target.registers)
        var explains = true  // for RR_SWIFT_DEBUG: why the first visits are not the point
        var coverage: [(UInt64, UInt64)]?  // what the pointed-memory digest reads (`PointedMemory`)
        var pointedMisses = 0
        var stubTestedMemory = false  // at a trampoline's stop: it compared the pointed-memory digests itself
        var farMissAtStub: (addresses: [UInt64], expected: UInt64)?  // the far words of a stop where only they differed
        func isThere(_ registers: Registers) throws -> Bool {
            guard target.matches(registers) else {
                if explains { debug("at 0x\(String(registers.rip, radix: 16)): " + registers.differences(from: target.registers).joined(separator: ", ")) }
                return false
            }
            guard try task.tracee.extendedStateDigest() == target.extendedStateDigest else {
                debug("at 0x\(String(registers.rip, radix: 16)): the registers match, the extended state does not")
                return false
            }
            if let pointed = target.pointedMemory {
                // The maps are read again if the stack has grown since (without a syscall).
                let redZone = registers.rsp &- MemoryDigest.redZone
                if coverage == nil || !coverage!.contains(where: { $0.0 <= redZone && redZone < $0.1 }) {
                    coverage = PointedMemory.coverage(try ProcFiles.maps(of: task.tracee.tid), excluding: excluded, stackPointer: registers.rsp)
                }
                let tid = task.tracee.tid
                let near = PointedMemory.digest(pid: tid, at: PointedMemory.words(of: registers, coverage: coverage!).map(\.address))
                guard near.digest == pointed.near else {
                    if explains { debug("at 0x\(String(registers.rip, radix: 16)): registers and extended state match, pointed-at memory does not") }
                    pointedMisses += 1
                    return false
                }
                let far = PointedMemory.digest(pid: tid, at: PointedMemory.farWords(near: near.values, coverage: coverage!))
                guard far.digest == pointed.far else {
                    if explains { debug("at 0x\(String(registers.rip, radix: 16)): registers and near memory match, far memory does not") }
                    pointedMisses += 1
                    // Only words that can be read: the recorder left the others out, and the stub would fault on them.
                    if stubTestedMemory { farMissAtStub = (far.readable, pointed.far) }
                    return false
                }
            }
            let matches = try MemoryDigest.compute(of: task.tracee.tid, excluding: excluded, stackPointer: registers.rsp) == target.memoryDigest
            if !matches { debug("at 0x\(String(registers.rip, radix: 16)): registers and extended state match, memory does not") }
            return matches
        }
        if try isThere(try task.tracee.registers()) {
            try checkSyscallBuffer(task)
            return
        }
        let unfiltered = repeatedMove == nil ? [] : Self.stringRegisters  // a trampoline does not compare these
        try task.tracee.setExecutionBreakpoint(at: target.registers.rip)
        defer { try? task.tracee.setExecutionBreakpoint(at: nil) }
        var hits = 0
        // Replay runs slower than the recording where a trampoline tests memory at every visit,
        // and that accumulates over searches: the search may also use the recorded time again.
        let giveUp = max(target.userTime + target.userTime / 2, try task.tracee.userTime() + target.userTime) + Self.searchSlack
        func checkProgress() throws {
            let used = try task.tracee.userTime()
            if used > giveUp {
                throw divergence(describe, "never reached: the thread has used \(used / 1_000_000) ms of user time, the recording was there at \(target.userTime / 1_000_000) ms (\(hits) visits of 0x\(String(target.registers.rip, radix: 16)) did not match)")
            }
        }
        let started = ContinuousClock.now
        var visits: [Registers] = []  // the first ones, to choose the register a trampoline tests first
        var trampoline: SearchTrampoline?
        defer { if let trampoline { try? task.tracee.writeMemory(at: trampoline.site, bytes: trampoline.original) } }
        // A thread already inside the repeated move (an earlier event interrupted it too) will
        // not visit its start again.
        var reached = false
        let now = try task.tracee.registers()
        if let length = repeatedMove, Self.differsOnlyInMoveProgress(now, from: target.registers) {
            reached = try isThere(try runRepeatedMove(task, from: now, to: target.registers, length: length, copy: nil))
        }
        while !reached {
            let stop = try nextRawStop(task, watchdog: checkProgress)
            // A SIGTRAP at the breakpoint's address is its hit (each ptrace call costs a VM exit:
            // the debug status register is not read); with a trampoline, at its int3.
            var registers = try task.tracee.registers()
            guard stop == .signal(.sigtrap), registers.rip == trampoline?.matchStop ?? target.registers.rip else {
                throw divergence(describe, describeStop(stop, task))
            }
            if let trampoline {
                registers.rip = target.registers.rip
                stubTestedMemory = trampoline.testsMemory
            }
            hits += 1
            explains = hits < 4
            if let length = repeatedMove, Self.differsOnlyInMoveProgress(registers, from: target.registers) {
                registers = try runRepeatedMove(task, from: registers, to: target.registers, length: length, copy: trampoline?.moved)
            }
            farMissAtStub = nil
            if try isThere(registers) {
                if let found = trampoline {
                    trampoline = nil
                    try removeSearchTrampoline(found, on: task, leaving: registers)
                }
                break
            }
            // The near words are as recorded here, so the far words' addresses are known: the stub
            // tests them too from now on.
            if let far = farMissAtStub, let current = trampoline, current.memoryTest?.far == nil,
               let upgraded = try addingFarTest(far, to: current, on: task, target: target) {
                trampoline = upgraded
            }
            if hits % 256 == 0 { try checkProgress() }
            if hits >= Self.mostHits {
                throw divergence(describe, "not found in \(hits) visits of 0x\(String(target.registers.rip, radix: 16))")
            }
            if trampoline == nil, debugger == nil, visits.count < Self.visitsBeforeTrampoline {
                visits.append(registers)
                // Where no register tells the visits apart, only a stub that tests memory helps.
                let first = Self.mostChangingRegister(in: visits, target: target.registers, ignoring: unfiltered)
                let memoryTest = visits.count == Self.visitsBeforeTrampoline && repeatedMove == nil && (first != nil || MachineInfo.hasBMI2)
                    ? try stubMemoryTest(for: target, on: task, excluding: excluded) : nil
                if visits.count == Self.visitsBeforeTrampoline, first != nil || memoryTest != nil {
                    try task.tracee.setExecutionBreakpoint(at: nil)
                    var visit = registers
                    visit.words[UserPosition.eflagsIndex] &= ~UserPosition.resumeFlag
                    trampoline = try installSearchTrampoline(on: task, for: target, visit: visit, firstRegister: first ?? 0, ignoring: unfiltered,
                                                             memoryTest: memoryTest)
                    if let trampoline {
                        excluded.append((trampoline.page, SearchTrampoline.mappingSize))
                    } else {
                        try task.tracee.setExecutionBreakpoint(at: target.registers.rip)
                    }
                }
            }
        }
        debug("reached 0x\(String(target.registers.rip, radix: 16)) after \(hits) breakpoint hits (\(pointedMisses) differing in pointed-at memory) in \(ContinuousClock.now - started)")
        // The kernel set RF so that the breakpoint would not fire again at once; a frame
        // written here must hold the flags as recorded (RF too: an interrupt in the middle of a
        // repeated move sets it).
        var registers = try task.tracee.registers()
        let flags = registers.words[UserPosition.eflagsIndex]
        let recordedFlags = (flags & ~UserPosition.resumeFlag) | (target.registers.words[UserPosition.eflagsIndex] & UserPosition.resumeFlag)
        if flags != recordedFlags {
            registers.words[UserPosition.eflagsIndex] = recordedFlags
            try task.tracee.setRegisters(registers)
        }
        task.position = .atBreakpoint
        try checkSyscallBuffer(task)
    }

    /// The pointed-memory test a trampoline can make itself (`StubMemoryTest`): where the trace
    /// has the digest and the red zone lies in the stack as mapped now (a stack that grew later
    /// would hold words the stub does not read); the words that cannot be read are left out, as
    /// the recorder left them out.
    func stubMemoryTest(for target: UserPosition, on task: ReplayTask, excluding excluded: [(UInt64, UInt64)]) throws -> StubMemoryTest? {
        guard let expected = target.pointedMemory?.near else { return nil }
        let tid = task.tracee.tid
        let coverage = PointedMemory.coverage(try ProcFiles.maps(of: tid), excluding: excluded, stackPointer: target.registers.rsp)
        guard PointedMemory.covers(coverage, target.registers.rsp &- MemoryDigest.redZone) else { return nil }
        let words = PointedMemory.words(of: target.registers, coverage: coverage)
        let values = PointedMemory.read(words.map(\.address), pid: tid)
        return StubMemoryTest(words: zip(words, values).filter { $0.1 != nil }.map(\.0), expected: expected)
    }

    func replayPreemption(_ event: PreemptionEvent, on task: ReplayTask) throws {
        try reach(event.position, on: task, describe: "preemption at 0x\(String(event.position.registers.rip, radix: 16))")
    }
}
