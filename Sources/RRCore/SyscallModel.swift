/// The syscall model: for every syscall the recorder supports, how replay treats it and which
/// tracee memory the kernel writes during it. Recording stores the bytes of those ranges after the
/// call; replay writes them back instead of running the call. Over-approximating a range is safe
/// (the extra bytes are recorded as they were); missing one is a silent divergence, so when in doubt
/// a syscall or operation is left out: the recorder does not let it run, and the program gets the
/// error a kernel without it would give (see `SyscallRefusal`).

#if canImport(Glibc)
import Glibc
#endif

/// How replay handles a syscall.
public enum ReplayTreatment: Sendable {
    /// Not executed in replay: the recorded result and memory writes are injected.
    case emulate
    /// Executed for real in replay because it shapes the address space, the thread or the kernel's
    /// signal state; its result must equal the recorded one.
    case execute
    /// Executed for real in replay, but its result names something that differs between runs
    /// (set_tid_address returns the thread id), so the recorded result is injected afterwards.
    case executeWithRecordedResult
    /// Not executed in record or replay: the program gets ENOSYS (rseq: the kernel would write to
    /// it at every preemption, which replay cannot reproduce; and every syscall outside the model).
    case refuse
}

/// Reads tracee memory while the model computes the ranges of a syscall (iovec arrays, msghdr).
public protocol TraceeMemoryReader {
    func readBytes(at address: RemoteAddress, count: Int) throws -> [UInt8]
    /// The size of the process's descriptor table (FDSize in /proc/<tid>/status): select
    /// writes back its fd sets only that far, whatever nfds the program asked for. Nil if unknown.
    func descriptorTableSize() -> Int?
}

extension TraceeMemoryReader {
    public func descriptorTableSize() -> Int? { nil }

    public func readWord(at address: RemoteAddress) throws -> UInt64 {
        let bytes = try readBytes(at: address, count: 8)
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
    public func readUInt32(at address: RemoteAddress) throws -> UInt32 {
        let bytes = try readBytes(at: address, count: 4)
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}

/// What the model sees of one syscall at its exit.
public struct SyscallContext {
    public let arguments: [UInt64]
    public let result: Int64
    public let memory: TraceeMemoryReader
    public init(arguments: [UInt64], result: Int64, memory: TraceeMemoryReader) {
        self.arguments = arguments
        self.result = result
        self.memory = memory
    }
}

/// One rule of the model: the tracee memory a syscall writes.
public enum MemoryEffect: Sendable {
    /// `size` bytes at the pointer in argument `argument` (when non-null and the call succeeded).
    case fixed(argument: Int, size: Int)
    /// As many bytes as the call returned, at the pointer in `argument`.
    case resultBytes(argument: Int)
    /// The result's bytes scattered over the iovec array at `argument` with `countArgument` entries.
    case iovec(argument: Int, countArgument: Int)
    /// A size computed from the arguments (select's fd sets, poll's array).
    case sized(argument: Int, size: @Sendable ([UInt64], Int64) -> Int)
    /// A socket address buffer whose length the kernel stores at the pointer in `lengthArgument`.
    case socketAddress(argument: Int, lengthArgument: Int)
    /// Anything else: computed from the context by custom code.
    case custom(@Sendable (SyscallContext) throws -> [MemoryRange])
}

/// The model's entry for one syscall.
public struct SyscallSpec: Sendable {
    public let number: SyscallNumber
    public let treatment: ReplayTreatment
    public let effects: [MemoryEffect]
    /// Checks the operation at syscall entry (ioctl request, fcntl command, ...) and names an
    /// unsupported one; nil when every operation is supported.
    public let validate: (@Sendable ([UInt64]) -> String?)?
    /// The errno the kernel gives for an operation it does not have (ENOTTY for an ioctl request,
    /// EINVAL for an fcntl command or prctl option, ENOSYS for a futex operation): what the
    /// program gets for an operation `validate` names.
    public let unsupportedOperationError: Int32
    /// Whether the effects apply even when the call failed (each effect then sizes itself by the result).
    public let writesOnFailure: Bool

    init(_ number: SyscallNumber, _ treatment: ReplayTreatment, _ effects: [MemoryEffect] = [],
         validate: (@Sendable ([UInt64]) -> String?)? = nil, unsupportedOperationError: Int32 = ENOSYS,
         writesOnFailure: Bool = false) {
        self.number = number
        self.treatment = treatment
        self.effects = effects
        self.validate = validate
        self.unsupportedOperationError = unsupportedOperationError
        self.writesOnFailure = writesOnFailure
    }

    /// The memory ranges this call wrote, given its arguments and result.
    public func writtenRanges(_ context: SyscallContext) throws -> [MemoryRange] {
        if context.result < 0 && !writesOnFailure { return [] }
        var ranges: [MemoryRange] = []
        let args = context.arguments
        func add(_ address: UInt64, _ length: Int) {
            if address != 0 && length > 0 { ranges.append(MemoryRange(address: address, length: length)) }
        }
        for effect in effects {
            switch effect {
            case let .fixed(argument, size):
                add(args[argument], size)
            case let .resultBytes(argument):
                add(args[argument], Int(clamping: context.result))
            case let .iovec(argument, countArgument):
                ranges += try Self.scatter(iovecs: args[argument], count: Int(clamping: args[countArgument]),
                                           total: Int(context.result), memory: context.memory)
            case let .sized(argument, size):
                add(args[argument], size(args, context.result))
            case let .socketAddress(argument, lengthArgument):
                guard args[lengthArgument] != 0 else { continue }
                add(args[lengthArgument], 4)
                let length = try context.memory.readUInt32(at: args[lengthArgument])
                add(args[argument], Int(min(length, 4096)))
            case let .custom(compute):
                ranges += try compute(context).filter { $0.address != 0 && $0.length > 0 }
            }
        }
        return ranges
    }

    /// The ranges covered by `total` bytes spread over an iovec array, in order.
    public static func scatterRanges(iovecs: UInt64, count: Int, total: Int, memory: TraceeMemoryReader) throws -> [MemoryRange] {
        try scatter(iovecs: iovecs, count: count, total: total, memory: memory)
    }

    /// The kernel refuses more iovecs than this (UIO_MAXIOV).
    public static let maximumIovecs = 1024

    /// Every length here is bounded by `total`, the kernel's result, never by what the iovecs ask
    /// for (a program may pass any lengths, and change them while the call waits).
    static func scatter(iovecs: UInt64, count: Int, total: Int, memory: TraceeMemoryReader) throws -> [MemoryRange] {
        var remaining = total
        var ranges: [MemoryRange] = []
        var index = 0
        while remaining > 0 && index < min(count, maximumIovecs) {
            let base = try memory.readWord(at: iovecs &+ UInt64(index * 16))
            let length = Int(clamping: try memory.readWord(at: iovecs &+ UInt64(index * 16 + 8)))
            let used = min(length, remaining)
            if used > 0 { ranges.append(MemoryRange(address: base, length: used)) }
            remaining -= used
            index += 1
        }
        return ranges
    }
}

/// A syscall the recorder does not let run. The kernel skips it (its number is set to -1 at the
/// entry stop) and the program gets an error, as from a kernel without it; the recording goes on,
/// and replay injects the same error without running the call either.
public struct SyscallRefusal: Equatable, Sendable {
    /// The errno the program gets.
    public let error: Int32
    /// What a warning names ("bpf", "ioctl request 0x1234"); nil when none is due: the kernel does
    /// not know the number either, or the model refuses the call on purpose (rseq, clone3,
    /// pkey_alloc: glibc and V8 go on without them).
    public let unsupported: String?

    public init(error: Int32, unsupported: String?) {
        self.error = error
        self.unsupported = unsupported
    }

    /// The errno's name, for the warning.
    public var errorName: String {
        switch error {
        case ENOSYS: "ENOSYS"
        case ENOTTY: "ENOTTY"
        case EINVAL: "EINVAL"
        default: "errno \(error)"
        }
    }
}

/// Looks up the model's entry for a syscall; nil means "not in the model" (refused).
public enum SyscallModel {
    public static func spec(for number: SyscallNumber) -> SyscallSpec? { table[number.rawValue] }

    /// Whether (and how) the recorder refuses a call, decided at its entry stop. `rip` is the
    /// address after the syscall instruction: the preload library's calls to the supervisor
    /// (1000 and 1001) count as such only from its traced slot; a program making those numbers
    /// itself gets the kernel's ENOSYS like for any number the kernel does not know.
    public static func refusal(for number: SyscallNumber, arguments: [UInt64], rip: UInt64) -> SyscallRefusal? {
        if number == SyscallBufferLayout.initProcessCall || number == SyscallBufferLayout.initThreadCall {
            return rip == SyscallBufferLayout.tracedSlot + 2 ? nil : SyscallRefusal(error: ENOSYS, unsupported: nil)
        }
        guard let spec = spec(for: number) else {
            return SyscallRefusal(error: ENOSYS, unsupported: number.isKnownToKernel ? number.name : nil)
        }
        if spec.treatment == .refuse { return SyscallRefusal(error: ENOSYS, unsupported: nil) }
        if let operation = spec.validate?(arguments) {
            return SyscallRefusal(error: spec.unsupportedOperationError, unsupported: operation)
        }
        return nil
    }

    /// The entry a refused call is recorded under: not executed, no memory effects.
    public static func refusedSpec(for number: SyscallNumber) -> SyscallSpec {
        SyscallSpec(number, .refuse)
    }

    /// Every syscall the model covers.
    public static var supported: [SyscallNumber] { table.keys.sorted().map(SyscallNumber.init) }

    static let table: [Int64: SyscallSpec] = {
        var table: [Int64: SyscallSpec] = [:]
        for spec in emulatedWithoutEffects.map({ SyscallSpec($0, .emulate) }) + specs {
            precondition(table[spec.number.rawValue] == nil, "duplicate model entry for \(spec.number)")
            table[spec.number.rawValue] = spec
        }
        return table
    }()
}
