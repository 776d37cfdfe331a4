import RRCore
import RRPtrace

/// A recorded point in the middle of a `rep movs` or `rep stos` (glibc's memcpy and memset for
/// large sizes): the CPU takes an interrupt between two iterations and leaves rip on the
/// instruction with rcx, rsi and rdi part-way, so no visit of the instruction's start has the
/// recorded registers. At a visit where all else matches and more iterations remain than were
/// recorded, the replayer runs only the iterations done by then (rcx lowered, a breakpoint on
/// the next instruction), then puts the thread back on the instruction with the recorded count
/// left: the state the interrupted thread had (the memory it has yet to write aside: see
/// `RepeatedMove`). If that is not the point, the thread goes on from there and does the rest,
/// as the whole instruction would have.
extension Replayer {
    /// The registers a repeated move advances (x86 numbers): rcx, rsi, rdi.
    static let stringRegisters = [1, 6, 7]

    /// Whether `registers` are `target`'s but for the progress of a repeated move that has more
    /// iterations left.
    static func differsOnlyInMoveProgress(_ registers: Registers, from target: Registers) -> Bool {
        guard registers[encoded: 1] > target[encoded: 1] else { return false }
        var adjusted = registers
        for register in stringRegisters { adjusted[encoded: register] = target[encoded: register] }
        return UserPosition(registers: target, extendedStateDigest: 0, memoryDigest: 0, userTime: 0, syscallBuffers: []).matches(adjusted)
    }

    /// Runs the iterations of the repeated move at `target`'s rip that the recording had done,
    /// from a visit with `registers`, and leaves the thread on the instruction (rip as recorded)
    /// with the recorded count left; returns its registers. `copy` is where the instruction runs
    /// from (a trampoline's moved copy; the original, patched, cannot). The search's debug
    /// register is left on the instruction when there is no trampoline.
    func runRepeatedMove(_ task: ReplayTask, from registers: Registers, to target: Registers, length: Int,
                         copy: UInt64?) throws -> Registers {
        let site = target.rip, start = copy ?? site
        var run = registers
        run.rip = start
        run[encoded: 1] = registers[encoded: 1] - target[encoded: 1]
        run.words[UserPosition.eflagsIndex] &= ~UserPosition.resumeFlag
        try task.tracee.setExecutionBreakpoint(at: start + UInt64(length))
        try task.tracee.setRegisters(run)
        let stop = try nextRawStop(task)
        var done = try task.tracee.registers()
        guard stop == .signal(.sigtrap), done.rip == start + UInt64(length) else {
            throw divergence("a repeated move at 0x\(String(site, radix: 16))", describeStop(stop, task))
        }
        try task.tracee.setExecutionBreakpoint(at: copy == nil ? site : nil)
        done.rip = site
        done[encoded: 1] = target[encoded: 1]
        try task.tracee.setRegisters(done)
        return done
    }
}
