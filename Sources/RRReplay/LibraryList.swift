import RRCore
import RRPtrace

#if canImport(Glibc)
import Glibc
#endif

/// `qXfer:libraries-svr4`: the objects the dynamic loader has loaded, as its own list names
/// them (r_debug's chain of link_map entries, found through the program's DT_DEBUG), so that
/// gdb loads their symbols without walking the replayed memory itself. A library whose
/// original file is gone is named by replay's copy of it from the trace (the copy it maps).
extension ReplayTarget {
    private static let auxPhdr: UInt64 = 3, auxPhent: UInt64 = 4, auxPhnum: UInt64 = 5
    private static let ptDynamic: UInt32 = 2, ptPhdr: UInt32 = 6
    private static let dtNull: UInt64 = 0, dtDebug: UInt64 = 21
    /// The most link_map entries followed (a cycle in a corrupt list must not hang the server).
    private static let mostLibraries = 4096

    func svr4LibraryList() -> [UInt8] {
        let empty = Array(#"<library-list-svr4 version="1.0"/>"#.utf8)
        guard let task = processTasks.first, let debug = try? rendezvous(of: task),
              let first = try? word(task, at: debug + 8), first != 0 else { return empty }
        var entries = ""
        var entry = first
        for _ in 0..<Self.mostLibraries where entry != 0 {
            guard let base = try? word(task, at: entry), let namePointer = try? word(task, at: entry + 8),
                  let dynamic = try? word(task, at: entry + 16), let next = try? word(task, at: entry + 24) else { break }
            let name = (try? string(task, at: namePointer)) ?? ""
            if entry != first, !name.isEmpty {
                entries += #"<library name="\#(Self.escaped(fileName(for: name)))" lm="0x\#(hex(entry))" l_addr="0x\#(hex(base))" l_ld="0x\#(hex(dynamic))" lmid="0x0"/>"#
            }
            entry = next
        }
        return Array(#"<library-list-svr4 version="1.0" main-lm="0x\#(hex(first))">\#(entries)</library-list-svr4>"#.utf8)
    }

    /// The original file while it is there, else replay's copy from the trace.
    private func fileName(for recorded: String) -> String {
        if access(recorded, R_OK) == 0 { return recorded }
        return replayer.cachedCopies[recorded] ?? recorded
    }

    /// The address of the loader's r_debug: the program's DT_DEBUG entry, which the loader fills
    /// in (0 before it has run), found through the program headers the auxiliary vector names.
    private func rendezvous(of task: ReplayTask) throws -> UInt64? {
        let auxv = try ProcFiles.read("/proc/\(task.tracee.tid)/auxv")
        var aux: [UInt64: UInt64] = [:]
        for offset in stride(from: 0, to: auxv.count - 15, by: 16) {
            aux[auxv.loadLittleEndian(UInt64.self, at: offset)] = auxv.loadLittleEndian(UInt64.self, at: offset + 8)
        }
        guard let phdr = aux[Self.auxPhdr], let size = aux[Self.auxPhent], let count = aux[Self.auxPhnum], size >= 56, count < 256 else { return nil }
        let headers = try task.tracee.readMemory(at: phdr, count: Int(size * count))
        var bias: UInt64 = 0, dynamic: UInt64?
        for index in 0..<Int(count) {
            let at = index * Int(size)
            let type = headers.loadLittleEndian(UInt32.self, at: at)
            let address = headers.loadLittleEndian(UInt64.self, at: at + 16)
            if type == Self.ptPhdr { bias = phdr &- address }
            if type == Self.ptDynamic { dynamic = address }
        }
        guard var entry = dynamic.map({ $0 &+ bias }) else { return nil }
        while true {
            let pair = try task.tracee.readMemory(at: entry, count: 16)
            let tag = pair.loadLittleEndian(UInt64.self, at: 0), value = pair.loadLittleEndian(UInt64.self, at: 8)
            if tag == Self.dtNull { return nil }
            if tag == Self.dtDebug { return value == 0 ? nil : value }
            entry += 16
        }
    }

    private func word(_ task: ReplayTask, at address: UInt64) throws -> UInt64 {
        try task.tracee.readMemory(at: address, count: 8).loadLittleEndian(UInt64.self, at: 0)
    }

    private func string(_ task: ReplayTask, at address: UInt64) throws -> String {
        var bytes: [UInt8] = []
        while bytes.count < Int(PATH_MAX) {
            // Not past the page's end: the next page may not be mapped.
            let at = address + UInt64(bytes.count)
            let chunk = try task.tracee.readMemory(at: at, count: Int(min(64, Self.pageSize - at % Self.pageSize)))
            if let end = chunk.firstIndex(of: 0) { return String(decoding: bytes + chunk[..<end], as: UTF8.self) }
            bytes += chunk
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    static func escaped(_ text: String) -> String {
        let entities: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"]
        return text.map { entities[$0] ?? String($0) }.joined()
    }
}
