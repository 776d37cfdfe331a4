/// gdb's remote protocol numbers signals its own way (gdb's include/gdb/signals.def), not as
/// Linux does: SIGUSR1 is 30 there, SIGBUS 10, SIGCHLD 20. Stop replies, exit replies and
/// QPassSignals use gdb's numbers; the session takes and gives Linux ones.
public enum GdbSignals {
    /// gdb's number for Linux signals 1-31, by Linux number (index 0 unused). SIGSTKFLT (16)
    /// has none: gdb's "unknown signal".
    static let standard: [Int32] = [
        0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, unknown,
        20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12,
    ]
    static let unknown: Int32 = 143
    /// Linux's 32 is gdb's REALTIME_32 (77), 33-63 are 45-75, 64 is 78.
    static let realtime32: Int32 = 77, realtime33: Int32 = 45, realtime64: Int32 = 78

    /// gdb's number for Linux signal `linux`.
    public static func gdbNumber(linux: Int32) -> Int32 {
        switch linux {
        case 0..<32: return standard[Int(linux)]
        case 32: return realtime32
        case 33...63: return realtime33 + linux - 33
        case 64: return realtime64
        default: return unknown
        }
    }

    /// The Linux signal gdb's number `gdb` stands for (nil: none on Linux).
    public static func linuxNumber(gdb: Int32) -> Int32? {
        if let index = standard.firstIndex(of: gdb), gdb != unknown { return Int32(index) }
        switch gdb {
        case realtime32: return 32
        case realtime33...(realtime33 + 30): return gdb - realtime33 + 33
        case realtime64: return 64
        default: return nil
        }
    }
}
