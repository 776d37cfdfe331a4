/// A kernel thread id (equal to the pid for a process's main thread).
public struct Tid: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// A signal number with its conventional name for messages.
public struct SignalNumber: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let sigtrap = SignalNumber(5), sigkill = SignalNumber(9), sigsegv = SignalNumber(11)
    public static let sigstop = SignalNumber(19), sigbus = SignalNumber(7), sigill = SignalNumber(4)
    public static let sigfpe = SignalNumber(8), sigcont = SignalNumber(18)

    static let names = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
        8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
        14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
        20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
        26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
    ]
    public var description: String { Self.names[Int(rawValue)] ?? "SIG\(rawValue)" }

    /// Signals the CPU raises synchronously at a faulting instruction; replay reproduces
    /// them by re-executing that instruction.
    public var isSynchronousFault: Bool { [4, 5, 7, 8, 11].contains(rawValue) }

    /// SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU: their default action stops the whole process.
    public var stopsByDefault: Bool { (19...22).contains(rawValue) }

    /// The bit of this signal in a kernel signal mask (SigPnd, ShdPnd, sa_mask).
    public var maskBit: UInt64 { 1 << UInt64(rawValue - 1) }
}

/// An address in a tracee's address space.
public typealias RemoteAddress = UInt64

/// A range of tracee memory a syscall writes.
public struct MemoryRange: Equatable, Sendable {
    public let address: RemoteAddress
    public let length: Int
    public init(address: RemoteAddress, length: Int) {
        self.address = address
        self.length = length
    }
}
