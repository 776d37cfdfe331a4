#if canImport(Glibc)
import Glibc
#endif

/// Facts about this machine that a trace records and replay checks.
public enum MachineInfo {
    /// Vendor, model name, family, model and stepping of CPU 0. CPUID cannot be trapped here, so a
    /// trace replays only where the program sees the same CPU (same ifunc choices, same cpuid results).
    public static var cpuModel: String {
        let keys = ["vendor_id", "model name", "cpu family", "model", "stepping"]
        guard let fields = cpu0Fields(keys) else { return "unknown" }
        return keys.map { "\($0)=\(fields[$0] ?? "?")" }.joined(separator: "; ")
    }

    /// Whether the CPU has BMI2 (mulx: a multiplication that leaves the flags alone).
    public static let hasBMI2: Bool = cpu0Fields(["flags"])?["flags"]?.split(separator: " ").contains("bmi2") ?? false

    /// The values of `keys` in CPU 0's block of /proc/cpuinfo.
    private static func cpu0Fields(_ keys: [String]) -> [String: String]? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var fields: [String: String] = [:]
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            if text == "\n" { break }  // end of CPU 0's block
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            // Only the wanted values are trimmed: the flags line alone is over a thousand characters.
            let key = parts[0].trimmingCharacters
            if keys.contains(key) { fields[key] = parts[1].trimmingCharacters }
        }
        free(line)
        return fields
    }

    public static var kernelRelease: String { utsnameField { $0.release } }
    public static var hostname: String { utsnameField { $0.nodename } }

    private static func utsnameField<T>(_ field: (utsname) -> T) -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        var value = field(names)
        return withUnsafeBytes(of: &value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

extension Substring {
    var trimmingCharacters: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed())
    }
}
