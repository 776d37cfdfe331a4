/// What the session asks of the debugged program. The replayer provides it; unit tests fake it.
/// Threads are named by their recorded tids, which is what the program itself saw.
public protocol DebugTarget: AnyObject {
    var processID: Int32 { get }
    /// The live threads, the main thread first.
    var threads: [Int32] { get }
    /// The thread's registers in `TargetDescription.registers` order.
    func registerValues(of thread: Int32) throws -> [[UInt8]]
    /// Up to `count` bytes at `address` in the thread's address space: fewer where the memory
    /// ends, none if the first byte is unreadable. Software breakpoints do not show: gdb expects
    /// the server to hide the ones it inserted.
    func readMemory(of thread: Int32, at address: UInt64, count: Int) -> [UInt8]
    /// Whether the breakpoint, or the watchpoint on `length` bytes, could be inserted (or removed).
    func insertBreakpoint(_ kind: BreakpointKind, at address: UInt64, length: Int) -> Bool
    func removeBreakpoint(_ kind: BreakpointKind, at address: UInt64, length: Int) -> Bool
    /// The contents of a qXfer object other than `features` (`auxv`, `exec-file`), or nil if
    /// the target has none.
    func object(_ name: String, annex: String) -> [UInt8]?
    /// The text a `monitor` command prints, or nil for a command the target does not know.
    func monitor(_ command: String) -> String?
    /// Whether register `number` (target-description order) of the thread, or the memory at
    /// `address`, could be given this value.
    func writeRegister(of thread: Int32, number: Int, value: [UInt8]) -> Bool
    func writeMemory(of thread: Int32, at address: UInt64, bytes: [UInt8]) -> Bool
}

extension DebugTarget {
    public func monitor(_ command: String) -> String? { nil }
    public func writeRegister(of thread: Int32, number: Int, value: [UInt8]) -> Bool { false }
    public func writeMemory(of thread: Int32, at address: UInt64, bytes: [UInt8]) -> Bool { false }
}
