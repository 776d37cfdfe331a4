import CPatchDecoder
import CRRShims
import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// Where a file's code holds RDRAND or RDSEED, and the patch of each into a trap when the file
/// is mapped executable (see `RandomInstruction`). A byte search finds the candidates (`0F C7`
/// and a register ModRM, a handful in libstdc++ or node, none in libc or python); each is kept
/// only if Zydis, decoding whole instructions from the start of its function (from the unwind
/// table), lands on it and names it RDRAND or RDSEED, so bytes inside another instruction are
/// never patched. Code without an unwind table entry is left alone.
enum RandomInstructionSites {
    /// The file offsets of the instructions in `bytes`, an ELF image (none for anything else).
    static func find(in bytes: [UInt8]) -> [Int] {
        let candidates = candidateOffsets(in: bytes)
        guard !candidates.isEmpty, let image = ElfImage(bytes) else { return [] }
        let starts = image.functionStartOffsets
        return bytes.withUnsafeBufferPointer { buffer -> [Int] in
            candidates.compactMap { candidate -> Int? in
                // The nearest function start at or before the candidate (binary search).
                var low = 0, high = starts.count
                while low < high {
                    let middle = (low + high) / 2
                    if starts[middle] <= candidate { low = middle + 1 } else { high = middle }
                }
                guard low > 0 else { return nil }
                let start = starts[low - 1]
                let end = min(bytes.count, candidate + RandomInstruction.maximumLength)
                let found = rr_random_instruction_at(buffer.baseAddress! + start, end - start, candidate - start)
                return found != 0 ? candidate : nil
            }
        }
    }

    /// Where an instruction with `0F C7` and a register ModRM (mod 3) could start: at the opcode,
    /// and one or two bytes before it when those look like a REX or 66 prefix. A byte before the
    /// opcode may as well end the previous instruction (`sub $0x48, %rsp`), so every reading is
    /// kept and the decoding from the function start picks the one that is real.
    private static func candidateOffsets(in bytes: [UInt8]) -> [Int] {
        var found: [Int] = []
        let opcode: [UInt8] = [0x0f, 0xc7]
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var position = 0
            while position + 3 <= buffer.count {
                let distance = rr_shim_find_bytes(base + position, buffer.count - position, opcode, opcode.count)
                guard distance >= 0 else { break }
                let offset = position + distance
                position = offset + 1
                guard offset + 2 < buffer.count, buffer[offset + 2] >= 0xf0 else { continue }
                found.append(offset)
                var start = offset
                if start > 0, buffer[start - 1] & 0xf0 == 0x40 { start -= 1; found.append(start) }
                if start > 0, buffer[start - 1] == 0x66 { start -= 1; found.append(start) }
            }
        }
        return found
    }
}

extension Recorder {
    /// Patches the random-number instructions in a file mapping just made executable at
    /// `address` (`length` bytes from `fileOffset`); the writes go into the mmap's event, so
    /// replay patches its copy the same way.
    func patchRandomInstructions(_ task: RecordedTask, file: MappedFile, address: UInt64, length: UInt64,
                                 fileOffset: UInt64) throws -> [MemoryWrite] {
        var writes: [MemoryWrite] = []
        for offset in files.randomInstructionOffsets(of: file) {
            let offset = UInt64(offset)
            guard offset >= fileOffset, offset - fileOffset < length else { continue }
            let site = address + (offset - fileOffset)
            guard let code = try? task.tracee.readMemory(at: site, count: RandomInstruction.maximumLength),
                  let instruction = RandomInstruction(original: code[...]) else { continue }
            let write = MemoryWrite(address: site, bytes: instruction.patchedBytes)
            try task.tracee.writeMemory(at: write.address, bytes: write.bytes)
            task.process.randomInstructionSites.insert(site)
            writes.append(write)
        }
        return writes
    }

    /// Patches the random-number instructions in the executable the kernel has just mapped for
    /// an exec (its executable mappings, told apart by the file's inode).
    func patchRandomInstructions(_ task: RecordedTask, executable: MappedFile, maps: [Mapping]) throws -> [MemoryWrite] {
        guard !files.randomInstructionOffsets(of: executable).isEmpty else { return [] }
        var info = stat()
        guard stat("/proc/\(task.tid)/exe", &info) == 0 else { return [] }
        var writes: [MemoryWrite] = []
        for mapping in maps where mapping.permissions.contains("x") && mapping.inode == UInt64(info.st_ino) {
            writes += try patchRandomInstructions(task, file: executable, address: mapping.start, length: mapping.end - mapping.start,
                                                  fileOffset: mapping.offset)
        }
        return writes
    }

    /// If the tracee trapped at one of the patched instructions, gives it a value from the
    /// kernel's random source and steps over the instruction.
    func emulateRandomInstruction(_ task: RecordedTask, _ registers: Registers) throws -> InstructionTrapEvent? {
        guard task.process.randomInstructionSites.contains(registers.rip),
              let code = try? task.tracee.readMemory(at: registers.rip, count: RandomInstruction.maximumLength),
              let instruction = RandomInstruction(patched: code[...]) else { return nil }
        var value: UInt64 = 0
        let failure = withUnsafeMutableBytes(of: &value) { rr_shim_random_bytes($0.baseAddress, $0.count) }
        guard failure == 0 else { throw RRError.system(call: "getrandom", errno: -failure, detail: "a value for \(instruction.kind.name)") }
        var updated = registers
        instruction.apply(value: value, to: &updated)
        try task.tracee.setRegisters(updated)
        RegisterLog.note(task.tracee, as: task.tid, instruction.kind.name, updated)
        return InstructionTrapEvent(tid: task.tid, kind: instruction.kind, rip: registers.rip, rax: value, rdx: 0, rcx: 0)
    }
}
