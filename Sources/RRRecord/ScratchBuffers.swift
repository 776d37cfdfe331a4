import RRCore
import RRPtrace

/// Output buffers of a syscall that waits in the kernel while other threads run are pointed at
/// per-thread scratch memory, and copied to their real place when the call completes, while no
/// other tracee thread runs (paper, section 2.3). Otherwise a racing thread could see the kernel's
/// writes at a moment replay cannot reproduce. The scratch area is mapped into each address space
/// by a syscall the recorder injects; replay never needs it.
enum ScratchBuffers {
    static let base = SyscallBufferLayout.scratchAddress
    static let slotSize = 256 << 10
    static let slots = Int(SyscallBufferLayout.scratchSize) / slotSize

    /// A buffer argument replaced by scratch memory for one syscall.
    struct Redirection {
        var argument: Int
        var original: UInt64
        var scratch: UInt64
        var size: Int
    }

    /// The buffers this syscall writes, as (argument, size, copy the input in).
    /// Sizes come from the program's arguments, before the kernel has seen them: they only decide
    /// whether the buffers fit a slot (`slotSize`), and never overflow whatever the program passed.
    static func outputs(of number: SyscallNumber, _ args: [UInt64]) -> [(Int, Int, Bool)] {
        switch number {
        case .read, .pread64, .recvfrom: [(1, Int(clamping: args[2]), false)]
        case .wait4: [(1, 4, false), (3, SyscallModel.rusageSize, false)]
        case .poll, .ppoll: [(0, Int(UInt32(truncatingIfNeeded: args[1])) * 8, true)]  // nfds: an unsigned int
        case .epoll_wait, .epoll_pwait: [(1, max(Int(Int32(truncatingIfNeeded: args[2])), 0) * 12, false)]  // maxevents: an int
        case .nanosleep: [(1, 16, false)]
        case .clock_nanosleep: [(3, 16, false)]
        default: []
        }
    }

    /// Points the syscall's output buffers at the thread's scratch slot (mapping the scratch
    /// area first if this address space has none). Returns the redirections made.
    static func redirect(_ task: RecordedTask, entry: Registers, number: SyscallNumber, slot: Int) throws -> [Redirection] {
        let args = entry.syscallArguments
        let wanted = outputs(of: number, args).filter { args[$0.0] != 0 && $0.1 > 0 }
        guard !wanted.isEmpty, slot < slots, wanted.allSatisfy({ $0.1 <= slotSize }),
              wanted.reduce(0, { $0 + $1.1 }) <= slotSize else { return [] }
        if !task.process.hasScratch {
            guard try mapScratch(task, entry: entry) else { return [] }
            task.process.hasScratch = true
        }
        var next = base + UInt64(slot * slotSize)
        var redirections: [Redirection] = []
        var registers = try task.tracee.registers()
        for (argument, size, copyIn) in wanted {
            if copyIn { try task.tracee.writeMemory(at: next, bytes: try task.tracee.readMemory(at: args[argument], count: size)) }
            redirections.append(Redirection(argument: argument, original: args[argument], scratch: next, size: size))
            var updated = registers.syscallArguments
            updated[argument] = next
            registers.syscallArguments = updated
            next += UInt64((size + 15) & ~15)
        }
        try task.tracee.setRegisters(registers)
        return redirections
    }

    /// At the syscall's exit: copies what the kernel wrote to the real buffers and gives the
    /// registers back their original pointers. What is copied is exactly what the syscall model
    /// says the call wrote, which is also what the event records and replay writes: epoll_wait
    /// reporting fewer events than its buffer holds leaves the rest of the buffer alone, and so
    /// must the copy, or the slot's bytes (zeros or an earlier call's) replace the program's own
    /// when recorded but not in replay (node reads such stack slots later).
    static func restore(_ task: RecordedTask, _ redirections: [Redirection], spec: SyscallSpec,
                        arguments: [UInt64], result: Int64) throws {
        var registers = try task.tracee.registers()
        var restored = registers.syscallArguments
        for redirection in redirections { restored[redirection.argument] = redirection.original }
        registers.syscallArguments = restored
        try task.tracee.setRegisters(registers)
        let written = try spec.writtenRanges(SyscallContext(arguments: arguments, result: result, memory: task.tracee))
        for redirection in redirections {
            let bufferEnd = redirection.original &+ UInt64(redirection.size)
            for range in written {
                let start = max(range.address, redirection.original)
                let end = min(range.address &+ UInt64(range.length), bufferEnd)
                guard start < end else { continue }
                let bytes = try task.tracee.readMemory(at: redirection.scratch + (start - redirection.original), count: Int(end - start))
                try task.tracee.writeMemory(at: start, bytes: bytes)
            }
        }
    }

    /// Maps the scratch area with an injected mmap, then rewinds the thread onto its syscall
    /// instruction so that the original syscall enters again. False if the area is taken.
    private static func mapScratch(_ task: RecordedTask, entry: Registers) throws -> Bool {
        var registers = entry
        registers.origRax = UInt64(SyscallNumber.mmap.rawValue)
        // PROT_READ|PROT_WRITE; MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_FIXED_NOREPLACE
        registers.syscallArguments = [base, UInt64(slots * slotSize), 3, 0x2 | 0x20 | 0x4000 | 0x10_0000, UInt64(bitPattern: -1), 0]
        try task.tracee.setRegisters(registers)
        try runToSyscallStop(task)
        let result = try task.tracee.registers().syscallResult
        var again = entry
        again.rip -= 2
        again.rax = entry.origRax
        try task.tracee.setRegisters(again)
        try runToSyscallStop(task)  // the original syscall's entry, once more
        return result == Int64(bitPattern: base)
    }

    /// A signal that comes while the thread is rewound onto its syscall (an interval timer's
    /// SIGALRM, pending as the injected mmap returns) is held back and raised again later, as a
    /// signal that lands in the buffering code is: the program never sees the injected call.
    private static func runToSyscallStop(_ task: RecordedTask) throws {
        while true {
            try task.tracee.resume(.toSyscall)
            let (_, stop) = try Stop.wait(for: task.tid)
            if stop == .syscall { return }
            if case .signal(let signal) = stop, signal != .sigstop, signal != .sigkill, task.deferredSignal == nil {
                task.deferredSignal = (signal, try task.tracee.siginfo())
                continue
            }
            throw RRError.system(call: "scratch mapping", errno: 0, detail: "tid \(task.tid) stopped with \(stop)")
        }
    }
}
