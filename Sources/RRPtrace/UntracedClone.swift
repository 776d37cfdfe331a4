import RRCore

/// clone with CLONE_UNTRACED asks that no tracer be attached to the child (LeakSanitizer makes
/// its stop-the-world thread so). A child the recorder does not trace would run unrecorded, and
/// under our seccomp filter every syscall it made would fail with ENOSYS (the recording hung).
/// The flag is cleared on the way into the kernel, in record and in replay, and the program's
/// flags are put back in rdi afterwards in the parent and in the child, so it sees nothing.
public enum UntracedClone {
    public static let flag: UInt64 = 0x0080_0000  // CLONE_UNTRACED

    /// At a clone's entry: clears the flag in its flags argument if the program set it.
    public static func clear(_ tracee: Tracee) throws {
        var registers = try tracee.registers()
        guard registers.syscallArguments[0] & flag != 0 else { return }
        var arguments = registers.syscallArguments
        arguments[0] &= ~flag
        registers.syscallArguments = arguments
        try tracee.setRegisters(registers)
    }

    /// After the clone (the parent at its exit, the child at its first stop): rdi as the program had it.
    public static func restore(_ tracee: Tracee, flags: UInt64) throws {
        guard flags & flag != 0 else { return }
        var registers = try tracee.registers()
        var arguments = registers.syscallArguments
        arguments[0] = flags
        registers.syscallArguments = arguments
        try tracee.setRegisters(registers)
    }
}
