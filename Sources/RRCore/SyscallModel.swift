/// The syscall model: for every syscall the recorder supports, how replay treats it and which
/// tracee memory the kernel writes during it. Recording stores the bytes of those ranges after the
/// call; replay writes them back instead of running the call. Over-approximating a range is safe
/// (the extra bytes are recorded as they were); missing one is a silent divergence, so when in doubt
/// a syscall or operation is left out and recording stops with a clear error instead.

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
    /// Refused with ENOSYS in both record and replay (rseq: the kernel would write to it at
    /// every preemption, which replay cannot reproduce).
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
    /// Whether the effects apply even when the call failed (none do yet; kept explicit).
    public let writesOnFailure: Bool

    init(_ number: SyscallNumber, _ treatment: ReplayTreatment, _ effects: [MemoryEffect] = [],
         validate: (@Sendable ([UInt64]) -> String?)? = nil, writesOnFailure: Bool = false) {
        self.number = number
        self.treatment = treatment
        self.effects = effects
        self.validate = validate
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

/// Looks up the model's entry for a syscall; nil means "not supported".
public enum SyscallModel {
    public static func spec(for number: SyscallNumber) -> SyscallSpec? { table[number.rawValue] }

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
