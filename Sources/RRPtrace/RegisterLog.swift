import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// A debugging aid for divergences the entry digest detects but does not explain. With
/// `RR_SWIFT_REGISTER_LOG=PATH`, the recorder and the replayer append a thread's full registers
/// at each syscall entry and exit and each RDTSC to PATH, one line each, keyed by the recorded tid
/// (the first field) so that a recording's log and its replay's can be compared thread by thread.
/// With `RR_SWIFT_MEMORY_DUMP_AT=TID:N` (or `*:N`) and `RR_SWIFT_MEMORY_DUMP_DIR=DIR`, the
/// writable mappings of that thread at its Nth logged stop (from 0) are also written to
/// DIR/START-END, to find the memory that made the registers differ afterwards.
public enum RegisterLog {
    nonisolated(unsafe) private static let file: UnsafeMutablePointer<FILE>? = getenv("RR_SWIFT_REGISTER_LOG").flatMap { fopen($0, "a") }
    nonisolated(unsafe) private static var counts: [Tid: Int] = [:]

    public static var isEnabled: Bool { file != nil }

    public static func note(_ tracee: Tracee, as recordedTid: Tid, _ label: String, _ registers: Registers) {
        guard let file else { return }
        let index = counts[recordedTid, default: 0]
        counts[recordedTid] = index + 1
        let words = zip(Registers.names, registers.words).map { "\($0)=\(String($1, radix: 16))" }.joined(separator: " ")
        fputs("\(recordedTid) \(label) \(words)\n", file)
        fflush(file)
        if let at = getenv("RR_SWIFT_MEMORY_DUMP_AT").map({ String(cString: $0) }), ["\(recordedTid):\(index)", "*:\(index)"].contains(at),
           let directory = getenv("RR_SWIFT_MEMORY_DUMP_DIR").map({ String(cString: $0) }) {
            dumpWritableMemory(of: tracee, to: directory)
        }
    }

    private static func dumpWritableMemory(of tracee: Tracee, to directory: String) {
        for mapping in (try? ProcFiles.maps(of: tracee.tid)) ?? [] where mapping.permissions.hasPrefix("rw") {
            guard let bytes = try? tracee.readMemory(at: mapping.start, count: Int(mapping.end - mapping.start)),
                  let out = fopen("\(directory)/\(String(mapping.start, radix: 16))-\(String(mapping.end, radix: 16))", "w") else { continue }
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) }
            fclose(out)
        }
    }
}
