/// The ptrace requests a recorded program may make itself. The supervisor is the real tracer of
/// every thread, so the program's own requests are emulated (never reach the kernel), as far as a
/// sanitizer's stop-the-world needs: LeakSanitizer, at exit, starts a helper process that
/// attaches to each thread of the program, waits for its stop, reads its registers and detaches.
/// Other requests (PTRACE_TRACEME, PTRACE_SYSCALL: a debugger or strace inside a recording) are
/// refused with ENOSYS and a warning.
public enum ProgramPtraceRequest: UInt64, Sendable {
    case peekText = 1, peekData = 2
    case getRegisters = 12, getFloatingPointRegisters = 14
    case attach = 16, detach = 17
    case getRegisterSet = 0x4204

    /// The register sets PTRACE_GETREGSET gives (an ELF note type each).
    public enum RegisterSet: UInt64, Sendable {
        case generalPurpose = 1  // NT_PRSTATUS: struct user_regs_struct
        case floatingPoint = 2  // NT_PRFPREG: the 512-byte FXSAVE area
        case extended = 0x202  // NT_X86_XSTATE: the XSAVE image
    }

    /// The wait status of a thread stopped by the SIGSTOP that PTRACE_ATTACH sends.
    public static let attachStopStatus: UInt32 = 0x137f
    /// sizeof(struct user_fpregs_struct).
    public static let floatingPointSize = 512

    /// What the model names as unsupported in a ptrace call (nil: emulated). A detach that
    /// would deliver a signal is not emulated.
    @Sendable public static func validate(_ arguments: [UInt64]) -> String? {
        guard let request = ProgramPtraceRequest(rawValue: arguments[0]) else { return "ptrace request \(arguments[0])" }
        if request == .detach && arguments[3] != 0 { return "ptrace detach with a signal" }
        return nil
    }
}
