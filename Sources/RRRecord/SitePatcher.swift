import CPatchDecoder
import RRCore
import RRPtrace

/// Syscall-site patching (the rr paper, section 3.1): the first time a bufferable syscall traps
/// from a site in a library, its `syscall` instruction and the instructions after it become a
/// jump to a stub in the preload library's stub area. The stub moves the stack pointer below the
/// red zone, calls the library's trampoline (which may buffer the call), runs the displaced
/// instructions and jumps back. Only sites of the shape glibc's wrappers have are patched: the
/// syscall number loaded shortly before (`mov $N, %eax`, or `xor %eax, %eax` for read) with
/// nothing in between that changes rax or branches, so that the site makes no other syscall
/// (clone with a new stack, vfork and rt_sigreturn must never go through a stub); and instructions
/// after it that can run elsewhere. Zydis decodes both.
extension Recorder {
    func patchSyscallSite(_ task: RecordedTask, _ registers: Registers, _ number: SyscallNumber) throws -> PatchEvent? {
        guard let library = task.process.preload, SyscallBufferLayout.bufferable.contains(number.rawValue) else { return nil }
        let site = registers.rip &- 2
        guard site >= 5, site < SyscallBufferLayout.pageAddress || site >= SyscallBufferLayout.pageAddress + 4096,
              library.consideredSites.insert(site).inserted else { return nil }
        let lookBack: UInt64 = min(32, site)
        guard let code = try? task.tracee.readMemory(at: site - lookBack, count: Int(lookBack) + 2 + 32),
              code[Int(lookBack)] == 0x0f, code[Int(lookBack) + 1] == 0x05 else { return nil }
        let loadsNumber = code.withUnsafeBufferPointer { rr_loads_syscall_number($0.baseAddress, Int(lookBack), UInt32(number.rawValue)) }
        guard loadsNumber != 0 else { return nil }
        let displaced = Array(code[(Int(lookBack) + 2)...])
        let movable = displaced.withUnsafeBufferPointer { rr_movable_length($0.baseAddress, $0.count, 3) }
        guard movable >= 3 else { return nil }
        let patchLength = UInt64(2 + movable)
        // A thread stopped (or waiting in a syscall) inside the bytes that change would resume in
        // the middle of the jump: try again at the site's next trap.
        for other in scheduler.tasks(of: task.process) where other !== task {
            let rip = other.pendingEntry?.registers.rip ?? (try? other.tracee.registers())?.rip
            guard let rip, !(rip > site && rip < site + patchLength) else {
                library.consideredSites.remove(site)
                return nil
            }
        }
        let stubAddress = library.stubArea + library.stubsUsed
        var stub: [UInt8] = [0x48, 0x8d, 0xa4, 0x24, 0x00, 0xff, 0xff, 0xff]  // lea -256(%rsp), %rsp
        guard let toTrampoline = relative(from: stubAddress + UInt64(stub.count) + 5, to: library.trampoline) else { return nil }
        stub += [0xe8] + toTrampoline  // call rr_syscall_trampoline
        stub += [0x48, 0x8d, 0xa4, 0x24, 0x00, 0x01, 0x00, 0x00]  // lea 256(%rsp), %rsp
        stub += displaced[0..<movable]
        guard let back = relative(from: stubAddress + UInt64(stub.count) + 5, to: site + patchLength) else { return nil }
        stub += [0xe9] + back  // jmp back after the patch
        let used = (UInt64(stub.count) + 15) & ~15
        guard library.stubsUsed + used <= library.stubAreaSize,
              let toStub = relative(from: site + 5, to: stubAddress) else { return nil }
        let siteBytes = [0xe9] + toStub + [UInt8](repeating: 0x90, count: Int(patchLength) - 5)
        library.stubsUsed += used
        let writes = [MemoryWrite(address: stubAddress, bytes: stub), MemoryWrite(address: site, bytes: siteBytes)]
        for write in writes { try task.tracee.writeMemory(at: write.address, bytes: write.bytes) }
        return PatchEvent(tid: task.tid, number: number, arguments: registers.syscallArguments, entryDigest: registers.digest,
                          site: site, writes: writes)
    }

    /// The rel32 of a jump or call whose next instruction is at `from`, if `to` is in reach.
    private func relative(from: UInt64, to: UInt64) -> [UInt8]? {
        let distance = Int64(bitPattern: to &- from)
        guard let value = Int32(exactly: distance) else { return nil }
        return withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
