import CPatchDecoder
import RRCore
import RRPtrace

/// A search for a recorded point on a hot instruction without a trap at each visit. Each
/// debug-register hit costs a VM exit and a ptrace stop (~40 us in all), so a point deep in a
/// loop whose registers change each iteration took ~40 s per million iterations. Instead the
/// instruction becomes a jump to a stub that compares the registers with the recorded ones in
/// the thread itself, flag-free for the first (the register seen to differ most), and traps only
/// when all sixteen match; then the replayer compares the rest (flags, extended state, memory) as
/// before. A visit that does not match costs a dozen instructions, so the loop runs at nearly
/// its own speed until the point.
///
/// The stub lives in a page mapped next to the code for the search only (within reach of a
/// rel32 jump) and is unmapped with the patch undone before the thread goes on. The displaced
/// instructions run in the stub, moved (rip-relative operands and branches adjusted, as Zydis
/// decodes them). Where the jump covers more than the visited instruction, no branch of the
/// function may land inside the covered bytes: the function, found through the unwind table, is
/// decoded from its start, and one with a jump through a register (targets unknown) is left to
/// the debug register.
struct SearchTrampoline {
    /// The instruction the jump replaced (the visited one, or the first after its nop padding) and its bytes.
    let site: UInt64
    let original: [UInt8]
    let page: UInt64
    /// Where the thread stops (after the int3) when the sixteen registers match.
    let matchStop: UInt64
    /// Where the moved copy of the visited instruction runs.
    var moved: UInt64 { page + Self.relocatedOffset }

    static let pageSize: UInt64 = 4096
    /// Two pages: code, then data (the stub writes there, so the memory digest leaves it out).
    static let mappingSize: UInt64 = 2 * pageSize
    static let jumpLength = 5
    /// The stub's parts within the mapping.
    static let relocatedOffset: UInt64 = 0, entryOffset: UInt64 = 128, dataOffset: UInt64 = pageSize
}

extension Replayer {
    /// Puts a search trampoline on `target`'s instruction for a thread stopped there (at a visit
    /// with `visit` registers, the debug register disarmed), comparing `firstRegister` (an x86
    /// register number) first and not the `ignoring` ones; nil where the code cannot take one.
    func installSearchTrampoline(on task: ReplayTask, for target: UserPosition, visit: Registers,
                                 firstRegister: Int, ignoring: [Int]) throws -> SearchTrampoline? {
        // Padding before a loop head is often where a thread was stopped; a nop changes nothing,
        // so the state at the next instruction is the point's and the jump goes there (the
        // replayer puts rip back on the nop when it matches).
        let padding = try task.tracee.readMemory(at: target.registers.rip, count: 16).withUnsafeBufferPointer {
            rr_nop_length($0.baseAddress, $0.count)
        }
        let site = target.registers.rip + UInt64(padding)
        let tid = task.tracee.tid
        let maps = try ProcFiles.maps(of: tid)
        guard let mapping = maps.first(where: { $0.start <= site && site < $0.end }), mapping.permissions.contains("x"),
              let page = Self.freePage(near: site, in: maps) else { return nil }
        let code = try task.tracee.readMemory(at: site, count: 32)
        var relocated = [UInt8](repeating: 0, count: 96)
        var written = 0
        let covered = code.withUnsafeBufferPointer { source in
            relocated.withUnsafeMutableBufferPointer { out in
                rr_relocate_instructions(source.baseAddress, source.count, site, page + SearchTrampoline.relocatedOffset,
                                         SearchTrampoline.jumpLength, out.baseAddress, out.count, &written)
            }
        }
        guard covered >= SearchTrampoline.jumpLength else {
            debug("no search trampoline for 0x\(String(site, radix: 16)): its instructions cannot move (" + code.prefix(12).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + ")")
            return nil
        }
        var scratch = [UInt8](repeating: 0, count: 32), scratchWritten = 0
        let visitedLength = code.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { out in
                rr_relocate_instructions(source.baseAddress, source.count, site, site, 1, out.baseAddress, out.count, &scratchWritten)
            }
        }
        let onlyVisited = covered == visitedLength
        guard try onlyVisited || codeMayBeCovered(from: site, to: site + UInt64(covered), mapping: mapping, memory: code, task: task) else {
            debug("no search trampoline for 0x\(String(site, radix: 16)): \(covered) bytes, a branch may land inside")
            return nil
        }
        relocated = Array(relocated.prefix(written))
        let back = Int64(bitPattern: (site + UInt64(covered)) &- (page + UInt64(relocated.count) + 5))
        guard let backRel = Int32(exactly: back) else { return nil }
        relocated += [0xe9] + backRel.bytes
        let stub = Self.comparingStub(at: page, target: target.registers, firstRegister: firstRegister, ignoring: ignoring)
        guard let toStub = Int32(exactly: Int64(bitPattern: (page + SearchTrampoline.entryOffset) &- (site + 5))) else { return nil }

        let mapped = try runSyscallInPlace(task, at: site, registers: visit, original: code, number: .mmap,
                                           arguments: [page, SearchTrampoline.mappingSize, Self.protReadWriteExec, Self.mapFixedAnonymous, UInt64(bitPattern: -1), 0])
        guard mapped == Int64(page) else { return nil }
        var image = [UInt8](repeating: 0xcc, count: Int(SearchTrampoline.mappingSize))
        image.replaceSubrange(0..<relocated.count, with: relocated)
        image.replaceSubrange(Int(SearchTrampoline.entryOffset)..<Int(SearchTrampoline.entryOffset) + stub.code.count, with: stub.code)
        image.replaceSubrange(Int(SearchTrampoline.dataOffset)..<Int(SearchTrampoline.dataOffset) + stub.data.count, with: stub.data)
        try task.tracee.writeMemory(at: page, bytes: image)
        try task.tracee.writeMemory(at: site, bytes: [0xe9] + toStub.bytes)
        debug("search trampoline at 0x\(String(page, radix: 16)) for 0x\(String(site, radix: 16)) (\(covered) bytes moved), register \(firstRegister) first")
        return SearchTrampoline(site: site, original: Array(code.prefix(SearchTrampoline.jumpLength)), page: page,
                                matchStop: page + SearchTrampoline.entryOffset + UInt64(stub.matchOffset))
    }

    /// Undoes the patch and unmaps the stub; the thread is left at `registers` (the point), in
    /// a signal-delivery-stop as after a debug-register hit (what delivering a signal there
    /// needs: the unmapping leaves it at a syscall stop), so the debug register is armed there
    /// for one more hit.
    func removeSearchTrampoline(_ trampoline: SearchTrampoline, on task: ReplayTask, leaving registers: Registers) throws {
        try task.tracee.writeMemory(at: trampoline.site, bytes: trampoline.original)
        var registers = registers
        registers.words[UserPosition.eflagsIndex] &= ~UserPosition.resumeFlag  // else the breakpoint lets it pass once
        _ = try runSyscallInPlace(task, at: trampoline.site, registers: registers, original: trampoline.original,
                                  number: .munmap, arguments: [trampoline.page, SearchTrampoline.mappingSize, 0, 0, 0, 0])
        try task.tracee.setExecutionBreakpoint(at: registers.rip)
        let stop = try nextRawStop(task)
        let now = try task.tracee.registers()
        guard stop == .signal(.sigtrap), now.rip == registers.rip else {
            throw divergence("the end of a search at 0x\(String(trampoline.site, radix: 16))", describeStop(stop, task))
        }
    }

    /// Runs one syscall from a `syscall` instruction written over `site` for the moment, the
    /// thread stopped in user code there; then restores the bytes and `registers`.
    private func runSyscallInPlace(_ task: ReplayTask, at site: UInt64, registers: Registers, original: [UInt8],
                                   number: SyscallNumber, arguments: [UInt64]) throws -> Int64 {
        try task.tracee.writeMemory(at: site, bytes: ReplayDebugger.syscallInstruction)
        var call = registers
        call.rip = site
        call.rax = UInt64(bitPattern: number.rawValue)
        call.origRax = UInt64(bitPattern: -1)
        call.syscallArguments = arguments
        try task.tracee.setRegisters(call)
        try waitForSyscallStop(task)  // entry
        try waitForSyscallStop(task)  // exit
        let result = try task.tracee.registers().syscallResult
        try task.tracee.writeMemory(at: site, bytes: Array(original.prefix(ReplayDebugger.syscallInstruction.count)))
        try task.tracee.setRegisters(registers)
        return result
    }

    /// Whether the bytes from `from` to `to`, more than the visited instruction, may become a
    /// jump: code of a file (as the file has it: no other patch) that no branch of its function
    /// lands in. A function with jumps through registers or memory (switch tables, computed
    /// gotos) qualifies when no address it names, nor any word of a table there read as a
    /// target, lands inside (`indirectTargets`).
    private func codeMayBeCovered(from: UInt64, to: UInt64, mapping: Mapping, memory: [UInt8], task: ReplayTask) throws -> Bool {
        guard mapping.path.hasPrefix("/"), let image = try functionStarts(of: mapping.path) else { return false }
        let fileOffset = Int(from - mapping.start + mapping.offset), length = Int(to - from)
        guard fileOffset + length <= image.bytes.count,
              Array(image.bytes[fileOffset..<fileOffset + length]) == Array(memory.prefix(length)) else { return false }
        // The nearest function start at or before the site, and the next one (binary search).
        var low = 0, high = image.starts.count
        while low < high {
            let middle = (low + high) / 2
            if image.starts[middle] <= fileOffset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return false }
        let start = image.starts[low - 1]
        let end = min(low < image.starts.count ? image.starts[low] : image.bytes.count, start + Self.largestFunction, image.bytes.count)
        guard end >= fileOffset + length else { return false }
        let startAddress = from - UInt64(fileOffset - start)
        let verdict = image.bytes.withUnsafeBufferPointer { bytes in
            rr_no_branch_into(bytes.baseAddress! + start, end - start, startAddress, from, to)
        }
        guard verdict == -1 else { return verdict == 1 }
        let key = "\(mapping.path):\(start)"
        if indirectTargets[key] == nil {
            indirectTargets[key] = try image.bytes.withUnsafeBufferPointer { bytes in
                try Self.indirectTargets(of: UnsafeBufferPointer(rebasing: bytes[start..<end]), at: startAddress, in: task)
            }
        }
        guard let targets = indirectTargets[key]! else { return false }
        return !targets.contains { $0 > from && $0 < to }
    }

    /// How much of a table a function names is read for targets: 2048 four-byte offsets (from
    /// the table's start, as gcc and clang emit switch tables) or 1024 absolute addresses.
    static let tableBytes = 8192
    /// At most this many addresses named by one function are followed.
    static let mostNamedAddresses = 1 << 16

    /// Every address inside a function that a jump through a register or memory could reach,
    /// over-approximated: each address its instructions name, and each word of what lies there
    /// read as an offset from it or as an address. nil when there are too many to follow.
    static func indirectTargets(of function: UnsafeBufferPointer<UInt8>, at address: UInt64, in task: ReplayTask) throws -> [UInt64]? {
        var named = [UInt64](repeating: 0, count: mostNamedAddresses)
        let count = named.withUnsafeMutableBufferPointer { out in
            rr_referenced_addresses(function.baseAddress, function.count, address, out.baseAddress, out.count)
        }
        guard count <= mostNamedAddresses else { return nil }
        let inside = address..<(address + UInt64(function.count))
        var targets = Set<UInt64>()
        let maps = try ProcFiles.maps(of: task.tracee.tid)
        for table in Set(named.prefix(count)) {
            if inside.contains(table) { targets.insert(table) }
            guard let mapping = maps.first(where: { $0.start <= table && table < $0.end }), mapping.permissions.hasPrefix("r") else { continue }
            guard let words = try? task.tracee.readMemory(at: table, count: Int(min(UInt64(tableBytes), mapping.end - table))) else { continue }
            words.withUnsafeBytes { raw in
                var offset = 0
                while offset + 4 <= raw.count {
                    let relative = table &+ UInt64(bitPattern: Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))))
                    if inside.contains(relative) { targets.insert(relative) }
                    if offset % 8 == 0, offset + 8 <= raw.count {
                        let absolute = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                        if inside.contains(absolute) { targets.insert(absolute) }
                    }
                    offset += 4
                }
            }
        }
        return targets.sorted()
    }

    /// The bytes of an ELF file and its functions' start offsets, read once per file.
    private func functionStarts(of path: String) throws -> CodeImage? {
        if let known = codeImages[path] { return known }
        var image: CodeImage?
        if let bytes = try? ProcFiles.read(path), let elf = ElfImage(bytes) { image = CodeImage(bytes: bytes, starts: elf.functionStartOffsets) }
        codeImages[path] = .some(image)
        return image
    }

    /// Functions longer than this are decoded only this far (a site past it is not patched).
    static let largestFunction = 1 << 20
    static let protReadWriteExec: UInt64 = 0x1 | 0x2 | 0x4
    /// MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE: never over a mapping of the program.
    static let mapFixedAnonymous: UInt64 = 0x02 | 0x20 | 0x100000

    /// A free page as close to `site` as there is, within a rel32's reach with room to spare.
    static func freePage(near site: UInt64, in maps: [Mapping]) -> UInt64? {
        let reach: UInt64 = 1 << 30
        let lowest = site > reach ? site - reach : SearchTrampoline.pageSize * 16
        let highest = site + reach
        var best: UInt64?
        func consider(_ page: UInt64) {
            guard page >= lowest, page + SearchTrampoline.mappingSize <= highest else { return }
            let distance = page > site ? page - site : site - page
            if let current = best, (current > site ? current - site : site - current) <= distance { return }
            best = page
        }
        let sorted = maps.sorted { $0.start < $1.start }
        for (index, mapping) in sorted.enumerated() {
            let gapEnd = index + 1 < sorted.count ? sorted[index + 1].start : 0x7fff_ffff_f000
            // A page of room on each side, so the stub never abuts (and so extends) a mapping.
            if gapEnd > mapping.end + SearchTrampoline.mappingSize + 2 * SearchTrampoline.pageSize {
                consider(mapping.end + SearchTrampoline.pageSize)
                consider(gapEnd - SearchTrampoline.pageSize - SearchTrampoline.mappingSize)
            }
        }
        return best
    }

    /// The stub's code (at `page` + entryOffset) and its data (at `page` + dataOffset, on the
    /// next page: stores there never touch a line of code). It saves rcx and rdx in the data,
    /// then tests the registers one by one (but `ignoring`), `firstRegister` first, without touching the flags
    /// or the stack (rcx = register + minus the recorded value, `jrcxz`): a program's dead stack
    /// is part of other threads' positions, and its flags are its own. When all sixteen match
    /// it stops at an int3; in every case it restores rcx and rdx and jumps to the moved
    /// instructions at the page's start.
    static func comparingStub(at page: UInt64, target: Registers, firstRegister: Int, ignoring: [Int] = [])
        -> (code: [UInt8], data: [UInt8], matchOffset: Int) {
        let entry = page + SearchTrampoline.entryOffset, data = page + SearchTrampoline.dataOffset
        let rcx = 1, rdx = 2
        // Data slots: 0 and 1 hold the program's rcx and rdx; 2 + n minus register n's value.
        let savedRcx = 0, savedRdx = 1
        var values = [UInt64](repeating: 0, count: 18)
        for register in 0..<16 { values[2 + register] = 0 &- target[encoded: register] }
        var code: [UInt8] = []
        /// Appends an instruction whose last four bytes are a displacement to data slot `slot`.
        func withSlot(_ opcode: [UInt8], _ slot: Int) {
            let next = entry + UInt64(code.count + opcode.count + 4)
            code += opcode + Int32(Int64(bitPattern: data + UInt64(slot * 8) &- next)).bytes
        }
        func jump(to address: UInt64) {
            code += [0xe9] + Int32(Int64(bitPattern: address &- (entry + UInt64(code.count + 5)))).bytes
        }
        func restore() {
            withSlot([0x48, 0x8b, 0x0d], savedRcx)  // mov saved(%rip), %rcx
            withSlot([0x48, 0x8b, 0x15], savedRdx)  // mov saved(%rip), %rdx
        }
        withSlot([0x48, 0x89, 0x0d], savedRcx)  // mov %rcx, saved(%rip)
        withSlot([0x48, 0x89, 0x15], savedRdx)  // mov %rdx, saved(%rip)
        var missJumps: [Int] = []
        for register in [firstRegister] + (0..<16).filter({ $0 != firstRegister && !ignoring.contains($0) }) {
            switch register {
            case rcx: withSlot([0x48, 0x8b, 0x0d], savedRcx)
            case rdx: withSlot([0x48, 0x8b, 0x0d], savedRdx)  // into rcx
            default:
                // mov %register, %rcx (REX.R extends the source register in ModRM.reg).
                code += [0x48 | (register >= 8 ? 0x04 : 0), 0x89, 0xc0 | UInt8((register & 7) << 3) | 0x01]
            }
            withSlot([0x48, 0x8b, 0x15], 2 + register)  // mov minus-value(%rip), %rdx
            code += [0x48, 0x8d, 0x0c, 0x11]  // lea (%rcx,%rdx), %rcx: zero when equal
            code += [0xe3, 0x05]  // jrcxz over the jump to the miss path
            code += [0xe9, 0, 0, 0, 0]  // jmp miss (set below)
            missJumps.append(code.count)
        }
        restore()
        code += [0xcc]  // int3: all sixteen match
        let matchOffset = code.count
        jump(to: page + SearchTrampoline.relocatedOffset)
        let missOffset = code.count
        for end in missJumps { code.replaceSubrange(end - 4..<end, with: Int32(missOffset - end).bytes) }
        restore()
        jump(to: page + SearchTrampoline.relocatedOffset)
        return (code, values.flatMap { $0.littleEndianBytes }, matchOffset)
    }
}

/// An executable file's bytes and the file offsets where its functions start (the unwind table).
struct CodeImage {
    let bytes: [UInt8]
    let starts: [Int]
}

private extension Int32 {
    var bytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}

private extension UInt64 {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
