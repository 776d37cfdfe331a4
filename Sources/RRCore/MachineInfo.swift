#if canImport(Glibc)
import Glibc
#endif

/// Facts about this machine that a trace records and replay checks.
public enum MachineInfo {
    /// Vendor, model name, family, model and stepping of CPU 0. CPUID cannot be trapped here, so a
    /// trace replays only where the program sees the same CPU (same ifunc choices, same cpuid results).
    public static var cpuModel: String {
        guard let file = fopen("/proc/cpuinfo", "r") else { return "unknown" }
        defer { fclose(file) }
        let keys = ["vendor_id", "model name", "cpu family", "model", "stepping"]
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
        return keys.map { "\($0)=\(fields[$0] ?? "?")" }.joined(separator: "; ")
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
