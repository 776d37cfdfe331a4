import RRCore

/// Makes the vDSO's time functions do real syscalls. They otherwise read kernel-shared memory
/// ([vvar]) without entering the kernel, which neither ptrace nor replay can see. Each function's
/// first bytes become `mov eax, NR; syscall; nopl 0(%rax,%rax); ret`, in record and replay alike
/// (the functions are at least 40 bytes long). The five-byte nop gives syscall-site patching
/// room for its jump, so that buffered time calls need no ptrace stop.
public enum VdsoPatcher {
    static let replacements: [(symbols: [String], number: SyscallNumber)] = [
        (["__vdso_clock_gettime", "clock_gettime"], .clock_gettime),
        (["__vdso_gettimeofday", "gettimeofday"], .gettimeofday),
        (["__vdso_time", "time"], .time),
        (["__vdso_clock_getres", "clock_getres"], .clock_getres),
        (["__vdso_getcpu", "getcpu"], .getcpu),
    ]

    public static func patch(_ tracee: Tracee) throws {
        guard let vdso = try ProcFiles.maps(of: tracee.tid).first(where: { $0.path == "[vdso]" }) else { return }
        let image = try tracee.readMemory(at: vdso.start, count: Int(vdso.end - vdso.start))
        guard let elf = ElfImage(image) else { throw RRError.incompatible("the vDSO is not an ELF image") }
        let symbols = elf.dynamicSymbols
        for (names, number) in replacements {
            for name in names {
                guard let offset = symbols[name], offset < UInt64(image.count) else { continue }
                let value = UInt32(number.rawValue)
                let stub: [UInt8] = [0xb8, UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff),
                                     UInt8(value >> 24), 0x0f, 0x05, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3]
                try tracee.writeMemory(at: vdso.start + offset, bytes: stub)
            }
        }
    }
}
