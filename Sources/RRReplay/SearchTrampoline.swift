import CPatchDecoder
import RRCore
import RRPtrace

/// A search for a recorded point on a hot instruction without a trap at each visit. Each
/// debug-register hit costs a VM exit and a ptrace stop (~40 us in all), so a point deep in a
/// loop whose registers change each iteration took ~40 s per million iterations. Instead the
/// instruction becomes a jump to a stub that compares the registers with the recorded ones in
/// the thread itself, flag-free for the first (the register seen to differ most), then, where
/// the trace has them, the status flags and the pointed-memory digests (`PointedMemory`), and
/// traps only when all match; then the replayer compares the rest (extended state, memory) as
/// before. A visit whose registers do not match costs a dozen instructions, so the loop runs at
/// nearly its own speed until the point.
///
/// The stub lives in pages mapped next to the code for the search only (within reach of a rel32
/// jump) and is unmapped with the patch undone before the thread goes on. The displaced
/// instructions run in the stub, moved (rip-relative operands and branches adjusted, as Zydis
/// decodes them). Where the jump covers more than the visited instruction, no branch may land
/// inside the covered bytes: the function, found through the unwind table, is decoded from its
/// start (one with jumps through registers qualifies when no address it names lands there), and
/// no direct branch of any function of the file may land there either.
struct SearchTrampoline {
    /// Where the jump is (the visited instruction, the first after its nop padding, or the
    /// lead-in before it) and the bytes it replaced.
    let site: UInt64
    let original: [UInt8]
    let page: UInt64
    /// Where the thread stops (after the int3) when the sixteen registers match.
    var matchStop: UInt64
    /// Where the moved copy of the visited instruction runs; nil when the jump is on the lead-in
    /// and the instruction stays where it is.
    let moved: UInt64?

    /// Whether the stub also compares the pointed-memory digests before it stops.
    var testsMemory: Bool { memoryTest != nil }
    /// What the stub was made from, to make it again with the far words.
    let firstRegister: Int, ignoring: [Int], continueAt: UInt64
    var memoryTest: StubMemoryTest?

    static let pageSize: UInt64 = 4096
    /// Fifteen pages of code (the pointed-memory tests take up to 30 bytes a word), then a page
    /// of data (the stub writes there, so the memory digest leaves it out).
    static let mappingSize: UInt64 = 16 * pageSize
    static let jumpLength = 5
    /// The stub's parts within the mapping.
    static let relocatedOffset: UInt64 = 0, entryOffset: UInt64 = 128, dataOffset: UInt64 = 15 * pageSize
}

/// The pointed-memory test a stub makes once the registers match (`PointedMemory`): the words to
/// fold, each read through the register whose window holds it, and the recorded digest.
struct StubMemoryTest {
    let words: [(register: Int, address: UInt64)]
    let expected: UInt64
    /// The far words (`PointedMemory.farWords`) where the near ones are as recorded, and their
    /// recorded digest: added once a stop shows the near words alone do not tell visits apart.
    var far: (addresses: [UInt64], expected: UInt64)?
}

extension Replayer {
    /// Puts a search trampoline on `target`'s instruction for a thread stopped there (at a visit
    /// with `visit` registers, the debug register disarmed), comparing `firstRegister` (an x86
    /// register number) first and not the `ignoring` ones; nil where the code cannot take one.
    func installSearchTrampoline(on task: ReplayTask, for target: UserPosition, visit: Registers,
                                 firstRegister: Int, ignoring: [Int], memoryTest: StubMemoryTest?) throws -> SearchTrampoline? {
        let point = target.registers.rip
        let maps = try ProcFiles.maps(of: task.tracee.tid)
        guard let mapping = maps.first(where: { $0.start <= point && point < $0.end }), mapping.permissions.contains("x"),
              let page = Self.freePage(near: point, in: maps) else { return nil }
        // A repeated move runs from a moved copy (RepeatedMoves.swift): no lead-in there.
        guard let placement = try placement(at: point, page: page, mapping: mapping, task: task)
                ?? (ignoring.isEmpty ? try leadIn(to: point, page: page, mapping: mapping, task: task) : nil) else { return nil }
        var stub = Self.comparingStub(at: page, target: target.registers, firstRegister: firstRegister, ignoring: ignoring,
                                      memoryTest: memoryTest, continueAt: placement.continueAt)
        if stub.code.count > Int(SearchTrampoline.dataOffset - SearchTrampoline.entryOffset) {
            stub = Self.comparingStub(at: page, target: target.registers, firstRegister: firstRegister, ignoring: ignoring,
                                      memoryTest: nil, continueAt: placement.continueAt)
        }
        let testsMemory = memoryTest != nil && stub.testsMemory
        let site = placement.site
        guard let toStub = Int32(exactly: Int64(bitPattern: placement.jumpTarget &- (site + 5))) else { return nil }
        let original = try task.tracee.readMemory(at: site, count: SearchTrampoline.jumpLength)

        let mapped = try runSyscallInPlace(task, at: site, registers: visit, original: original, number: .mmap,
                                           arguments: [page, SearchTrampoline.mappingSize, Self.protReadWriteExec, Self.mapFixedAnonymous, UInt64(bitPattern: -1), 0])
        guard mapped == Int64(page) else { return nil }
        var image = [UInt8](repeating: 0xcc, count: Int(SearchTrampoline.mappingSize))
        image.replaceSubrange(0..<placement.moved.count, with: placement.moved)
        image.replaceSubrange(Int(SearchTrampoline.entryOffset)..<Int(SearchTrampoline.entryOffset) + stub.code.count, with: stub.code)
        image.replaceSubrange(Int(SearchTrampoline.dataOffset)..<Int(SearchTrampoline.dataOffset) + stub.data.count, with: stub.data)
        try task.tracee.writeMemory(at: page, bytes: image)
        try task.tracee.writeMemory(at: site, bytes: [0xe9] + toStub.bytes)
        debug("search trampoline at 0x\(String(page, radix: 16)) for 0x\(String(point, radix: 16)) (\(placement.description)), register \(firstRegister) first"
              + (testsMemory ? ", \(memoryTest!.words.count) pointed-at words" : ""))
        return SearchTrampoline(site: site, original: original, page: page,
                                matchStop: page + SearchTrampoline.entryOffset + UInt64(stub.matchOffset),
                                moved: placement.continueAt == point ? nil : page + SearchTrampoline.relocatedOffset,
                                firstRegister: firstRegister, ignoring: ignoring, continueAt: placement.continueAt,
                                memoryTest: testsMemory ? memoryTest : nil)
    }

    /// Makes `trampoline`'s stub again with `far` added to its memory test, for a thread stopped
    /// at its int3 (whose registers are the program's there); the thread goes on where the stub
    /// would after a miss. nil where the stub would not fit: the old one stays.
    func addingFarTest(_ far: (addresses: [UInt64], expected: UInt64), to trampoline: SearchTrampoline, on task: ReplayTask,
                       target: UserPosition) throws -> SearchTrampoline? {
        guard var test = trampoline.memoryTest else { return nil }
        test.far = far
        let stub = Self.comparingStub(at: trampoline.page, target: target.registers, firstRegister: trampoline.firstRegister,
                                      ignoring: trampoline.ignoring, memoryTest: test, continueAt: trampoline.continueAt)
        guard stub.code.count <= Int(SearchTrampoline.dataOffset - SearchTrampoline.entryOffset) else { return nil }
        try task.tracee.writeMemory(at: trampoline.page + SearchTrampoline.entryOffset, bytes: stub.code)
        try task.tracee.writeMemory(at: trampoline.page + SearchTrampoline.dataOffset, bytes: stub.data)
        var registers = try task.tracee.registers()
        registers.rip = trampoline.continueAt
        try task.tracee.setRegisters(registers)
        debug("search trampoline for 0x\(String(target.registers.rip, radix: 16)): \(far.addresses.count) far words added")
        var upgraded = trampoline
        upgraded.memoryTest = test
        upgraded.matchStop = trampoline.page + SearchTrampoline.entryOffset + UInt64(stub.matchOffset)
        return upgraded
    }

    /// Where a trampoline's jump goes and what it displaces: the code at the page's start (the
    /// moved instructions and a jump on), where the jump at `site` leads, and where the stub
    /// goes on after its test.
    struct Placement {
        let site: UInt64
        let moved: [UInt8]
        let jumpTarget: UInt64
        let continueAt: UInt64
        let description: String
    }

    /// The jump on the visited instruction (after its nop padding): the instructions it covers
    /// run moved after the test.
    private func placement(at point: UInt64, page: UInt64, mapping: Mapping, task: ReplayTask) throws -> Placement? {
        // Padding before a loop head is often where a thread was stopped; a nop changes nothing,
        // so the state at the next instruction is the point's and the jump goes there (the
        // replayer puts rip back on the nop when it matches).
        let padding = try task.tracee.readMemory(at: point, count: 16).withUnsafeBufferPointer {
            rr_nop_length($0.baseAddress, $0.count)
        }
        let site = point + UInt64(padding)
        let code = try task.tracee.readMemory(at: site, count: 32)
        guard let (covered, relocated) = Self.relocate(code, from: site, to: page + SearchTrampoline.relocatedOffset, needed: SearchTrampoline.jumpLength) else {
            debug("no search trampoline on 0x\(String(site, radix: 16)): its instructions cannot move (" + code.prefix(12).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + ")")
            return nil
        }
        let onlyVisited = covered == Self.relocate(code, from: site, to: site, needed: 1)?.covered
        guard try onlyVisited || codeMayBeCovered(from: site, to: site + UInt64(covered), mapping: mapping, memory: code, task: task) else {
            debug("no search trampoline on 0x\(String(site, radix: 16)): \(covered) bytes, a branch may land inside")
            return nil
        }
        let back = Int64(bitPattern: (site + UInt64(covered)) &- (page + UInt64(relocated.count) + 5))
        guard let backRel = Int32(exactly: back) else { return nil }
        return Placement(site: site, moved: relocated + [0xe9] + backRel.bytes, jumpTarget: page + SearchTrampoline.entryOffset,
                         continueAt: page + SearchTrampoline.relocatedOffset, description: "\(covered) bytes moved")
    }

    /// The jump on the instructions that fall through into the visited one (`rr_lead_in_start`),
    /// where none lands between them and it but at their start: they run moved before the test,
    /// and the stub goes on at the visited instruction, which stays in place (so it may be a
    /// call, a return, a jump through a register, or followed by a branch target).
    private func leadIn(to point: UInt64, page: UInt64, mapping: Mapping, task: ReplayTask) throws -> Placement? {
        guard let function = try function(around: point, mapping: mapping) else { return nil }
        let start = function.image.bytes.withUnsafeBufferPointer { bytes in
            rr_lead_in_start(bytes.baseAddress! + function.start, function.end - function.start, function.address, point, SearchTrampoline.jumpLength)
        }
        guard start != 0 else {
            debug("no search trampoline before 0x\(String(point, radix: 16)): no lead-in of 5 bytes")
            return nil
        }
        let length = Int(point - start)
        let code = try task.tracee.readMemory(at: start, count: length + 1)
        guard let (covered, relocated) = Self.relocate(code, from: start, to: page + SearchTrampoline.relocatedOffset, needed: length),
              covered == length,
              try codeMayBeCovered(from: start, to: point + 1, mapping: mapping, memory: code, task: task) else {
            debug("no search trampoline before 0x\(String(point, radix: 16)): the \(length) bytes before it cannot move or a branch lands there")
            return nil
        }
        let toEntry = Int64(bitPattern: (page + SearchTrampoline.entryOffset) &- (page + UInt64(relocated.count) + 5))
        guard let entryRel = Int32(exactly: toEntry) else { return nil }
        return Placement(site: start, moved: relocated + [0xe9] + entryRel.bytes, jumpTarget: page + SearchTrampoline.relocatedOffset,
                         continueAt: point, description: "lead-in of \(length) bytes at 0x\(String(start, radix: 16))")
    }

    /// `rr_relocate_instructions` on `code` (which runs at `from`): the bytes covered and the moved code.
    static func relocate(_ code: [UInt8], from: UInt64, to: UInt64, needed: Int) -> (covered: Int, moved: [UInt8])? {
        var out = [UInt8](repeating: 0, count: 96)
        var written = 0
        let covered = code.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { rr_relocate_instructions(source.baseAddress, source.count, from, to, needed, $0.baseAddress, $0.count, &written) }
        }
        return covered >= needed && covered > 0 ? (covered, Array(out.prefix(written))) : nil
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
        guard let function = try function(around: from, mapping: mapping) else { return false }
        let image = function.image, start = function.start, end = function.end, startAddress = function.address
        let fileOffset = Int(from - mapping.start + mapping.offset), length = Int(to - from)
        guard end >= fileOffset + length, Array(image.bytes[fileOffset..<fileOffset + length]) == Array(memory.prefix(length)),
              !image.isBranchedInto(from: fileOffset, to: fileOffset + length) else { return false }
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

    /// The function of the file mapped at `mapping` that holds `address`, from the unwind
    /// table: its file's image, its start and end as offsets in the file, and its address.
    private func function(around address: UInt64, mapping: Mapping) throws -> (image: CodeImage, start: Int, end: Int, address: UInt64)? {
        guard mapping.path.hasPrefix("/"), let image = try functionStarts(of: mapping.path) else { return nil }
        let fileOffset = Int(address - mapping.start + mapping.offset)
        guard fileOffset < image.bytes.count else { return nil }
        // The nearest function start at or before the address, and the next one (binary search).
        var low = 0, high = image.starts.count
        while low < high {
            let middle = (low + high) / 2
            if image.starts[middle] <= fileOffset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let start = image.starts[low - 1]
        let end = min(low < image.starts.count ? image.starts[low] : image.bytes.count, start + Self.largestFunction, image.bytes.count)
        return (image, start, end, address - UInt64(fileOffset - start))
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

    /// What `lahf; seto %al; movzwl %ax, %ecx` leaves in ecx for these flags: SF ZF AF PF CF (and
    /// the fixed bit 1) in bits 8-15, OF in bit 0.
    static func lahfAndOverflow(_ eflags: UInt64) -> UInt64 {
        ((eflags & 0xd5) | 0x02) << 8 | (eflags >> 11) & 1
    }

    /// The stub's code (at `page` + entryOffset) and its data (at `page` + dataOffset, on the
    /// next page: stores there never touch a line of code). It saves rcx and rdx in the data,
    /// then tests the registers one by one (but `ignoring`), `firstRegister` first, without
    /// touching the flags or the stack (rcx = register + minus the recorded value, `jrcxz`): a
    /// program's dead stack is part of other threads' positions, and its flags are its own. With
    /// a `memoryTest` it then compares the status flags (lahf, seto) and folds the pointed-at
    /// words as `PointedMemory.fold` does (lea adds, mulx multiplies; rax is saved too) and
    /// compares the result. When all match it stops at an int3; in every case it restores the
    /// registers it used and jumps to `continueAt` (the moved instructions at the page's start,
    /// or the visited instruction after a lead-in).
    static func comparingStub(at page: UInt64, target: Registers, firstRegister: Int, ignoring: [Int] = [],
                              memoryTest: StubMemoryTest? = nil, continueAt: UInt64) -> (code: [UInt8], data: [UInt8], matchOffset: Int, testsMemory: Bool) {
        let entry = page + SearchTrampoline.entryOffset, data = page + SearchTrampoline.dataOffset
        let rax = 0, rcx = 1, rdx = 2
        // Data slots: 0 and 1 hold the program's rcx and rdx; 2 + n minus register n's value;
        // then the program's rax, the fold's multiplier and seed, and minus the recorded digests.
        let savedRcx = 0, savedRdx = 1, savedRax = 18, multiplier = 19, seed = 20, minusNear = 21, minusFar = 22, minusFlags = 23
        var values = [UInt64](repeating: 0, count: 24)
        for register in 0..<16 { values[2 + register] = 0 &- target[encoded: register] }
        values[multiplier] = PointedMemory.multiplier
        values[seed] = PointedMemory.seed
        values[minusNear] = 0 &- (memoryTest?.expected ?? 0)
        values[minusFar] = 0 &- (memoryTest?.far?.expected ?? 0)
        values[minusFlags] = 0 &- Self.lahfAndOverflow(target.eflags)
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
        var missJumps: [Int] = []
        /// Goes to the miss path unless rcx plus data slot `minusExpected` is zero; with
        /// `restoringRax`, rax is restored from its slot first (a mov: flags and rcx stay).
        func missUnlessEqual(_ minusExpected: Int, restoringRax: Bool = false) {
            withSlot([0x48, 0x8b, 0x15], minusExpected)  // mov minus-expected(%rip), %rdx
            code += [0x48, 0x8d, 0x0c, 0x11]  // lea (%rcx,%rdx), %rcx: zero when equal
            if restoringRax { withSlot([0x48, 0x8b, 0x05], savedRax) }  // mov saved(%rip), %rax
            code += [0xe3, 0x05]  // jrcxz over the jump to the miss path
            code += [0xe9, 0, 0, 0, 0]  // jmp miss (set below)
            missJumps.append(code.count)
        }
        /// Folds the words at `words` (read through a register, or at the address where it is
        /// nil) as `PointedMemory.fold` does, and goes to the miss path unless the result plus
        /// data slot `minusExpected` is zero.
        func fold(_ words: [(register: Int?, address: UInt64)], against minusExpected: Int) {
            withSlot([0x48, 0x89, 0x05], savedRax)  // mov %rax, saved(%rip)
            withSlot([0x48, 0x8b, 0x0d], seed)  // mov seed(%rip), %rcx: the fold so far
            for (register, address) in words {
                let displacement = register.map { Int64(bitPattern: address &- target[encoded: $0]) }
                if let register, register != rax, register != rcx, register != rdx, let displacement, let short = Int8(exactly: displacement) {
                    // mov displacement(%register), %rax (REX.B extends the base; rsp and r12 need a SIB byte).
                    code += [0x48 | (register >= 8 ? 0x01 : 0), 0x8b, 0x40 | UInt8(register & 7)]
                    if register & 7 == 4 { code.append(0x24) }
                    code.append(UInt8(bitPattern: short))
                } else {
                    code += [0x48, 0xb8] + address.littleEndianBytes  // movabs $address, %rax
                    code += [0x48, 0x8b, 0x00]  // mov (%rax), %rax
                }
                code += [0x48, 0x8d, 0x14, 0x01]  // lea (%rcx,%rax), %rdx
                withSlot([0xc4, 0xe2, 0xf3, 0xf6, 0x05], multiplier)  // mulx multiplier(%rip), %rcx (low), %rax (high)
                code += [0x48, 0x8d, 0x0c, 0x01]  // lea (%rcx,%rax), %rcx
            }
            missUnlessEqual(minusExpected, restoringRax: true)
        }
        withSlot([0x48, 0x89, 0x0d], savedRcx)  // mov %rcx, saved(%rip)
        withSlot([0x48, 0x89, 0x15], savedRdx)  // mov %rdx, saved(%rip)
        for register in [firstRegister] + (0..<16).filter({ $0 != firstRegister && !ignoring.contains($0) }) {
            switch register {
            case rcx: withSlot([0x48, 0x8b, 0x0d], savedRcx)
            case rdx: withSlot([0x48, 0x8b, 0x0d], savedRdx)  // into rcx
            default:
                // mov %register, %rcx (REX.R extends the source register in ModRM.reg).
                code += [0x48 | (register >= 8 ? 0x04 : 0), 0x89, 0xc0 | UInt8((register & 7) << 3) | 0x01]
            }
            missUnlessEqual(2 + register)
        }
        let testsMemory = memoryTest != nil && MachineInfo.hasBMI2
        if let memoryTest, testsMemory {
            // The status flags first (the replayer compares them anyway): a loop whose state is
            // only in memory often shows it in its flags too, and they cost six instructions.
            withSlot([0x48, 0x89, 0x05], savedRax)  // mov %rax, saved(%rip)
            code += [0x9f]  // lahf: SF ZF AF PF CF into ah
            code += [0x0f, 0x90, 0xc0]  // seto %al
            code += [0x0f, 0xb7, 0xc8]  // movzwl %ax, %ecx
            missUnlessEqual(minusFlags, restoringRax: true)
            // The near words through the registers (each holds its recorded value here but the
            // three in use); the far words at their addresses.
            fold(memoryTest.words.map { (Optional($0.register), $0.address) }, against: minusNear)
            if let far = memoryTest.far { fold(far.addresses.map { (nil, $0) }, against: minusFar) }
        }
        restore()
        code += [0xcc]  // int3: all match
        let matchOffset = code.count
        jump(to: continueAt)
        let missOffset = code.count
        for end in missJumps { code.replaceSubrange(end - 4..<end, with: Int32(missOffset - end).bytes) }
        restore()
        jump(to: continueAt)
        return (code, values.flatMap { $0.littleEndianBytes }, matchOffset, testsMemory)
    }
}

/// An executable file's bytes and the file offsets where its functions start (the unwind table).
struct CodeImage {
    let bytes: [UInt8]
    let starts: [Int]
    /// The file offsets that direct branches of any of its functions target, sorted.
    let branchTargets: [Int]

    init(bytes: [UInt8], starts: [Int]) {
        self.bytes = bytes
        self.starts = starts
        var targets: [Int] = []
        var out = [UInt64](repeating: 0, count: 1 << 16)
        bytes.withUnsafeBufferPointer { all in
            for (index, start) in starts.enumerated() where start < bytes.count {
                let end = min(index + 1 < starts.count ? max(starts[index + 1], start) : bytes.count, start + Replayer.largestFunction, bytes.count)
                var count = out.withUnsafeMutableBufferPointer { rr_branch_targets(all.baseAddress! + start, end - start, UInt64(start), $0.baseAddress, $0.count) }
                if count > out.count {
                    out = [UInt64](repeating: 0, count: count)
                    count = out.withUnsafeMutableBufferPointer { rr_branch_targets(all.baseAddress! + start, end - start, UInt64(start), $0.baseAddress, $0.count) }
                }
                targets += out.prefix(count).compactMap { Int(exactly: $0) }
            }
        }
        branchTargets = targets.sorted()
    }

    /// Whether a direct branch anywhere in the file lands strictly between the file offsets `from` and `to`.
    func isBranchedInto(from: Int, to: Int) -> Bool {
        var low = 0, high = branchTargets.count
        while low < high {
            let middle = (low + high) / 2
            if branchTargets[middle] <= from { low = middle + 1 } else { high = middle }
        }
        return low < branchTargets.count && branchTargets[low] < to
    }
}

private extension Int32 {
    var bytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}

private extension UInt64 {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
