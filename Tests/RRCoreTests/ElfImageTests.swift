import Foundation
import Testing
import RRCore

@Suite struct ElfImageTests {
    static let lsPath = FileManager.default.fileExists(atPath: "/bin/ls") ? "/bin/ls" : "/usr/bin/ls"

    static func lsBytes() throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: lsPath)))
    }

    /// What `readelf -lW` reports for PT_INTERP: file offset, file size and path; nil without readelf.
    static func readelfInterpreter(_ path: String) throws -> (offset: Int, size: Int, path: String)? {
        guard let readelf = ["/usr/bin/readelf", "/bin/readelf"].first(where: FileManager.default.isExecutableFile) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: readelf)
        process.arguments = ["-lW", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        // "  INTERP  0x000318 0x...318 0x...318 0x00001c 0x00001c R   0x1"
        guard let segment = lines.first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("INTERP ") }),
              let request = lines.first(where: { $0.contains("Requesting program interpreter: ") }) else { return nil }
        let fields = segment.split(separator: " ")
        let offset = try #require(Int(fields[1].dropFirst(2), radix: 16))
        let size = try #require(Int(fields[4].dropFirst(2), radix: 16))
        let interpreter = request.components(separatedBy: "interpreter: ")[1].dropLast()  // drop "]"
        return (offset, size, String(interpreter))
    }

    @Test func interpreterOfLsMatchesReadelf() throws {
        let image = try #require(ElfImage(try Self.lsBytes()))
        let interpreter = try #require(image.interpreter)
        if let reported = try Self.readelfInterpreter(Self.lsPath) {
            #expect(interpreter.path == reported.path)
            #expect(interpreter.fileOffset == reported.offset)
            #expect(interpreter.size == reported.size)
        } else {
            // No readelf: the x86-64 glibc loader path, as `readelf -l /bin/ls` shows on Debian/Ubuntu.
            #expect(interpreter.path == "/lib64/ld-linux-x86-64.so.2")
        }
        // The segment holds the path and its terminating NUL.
        let bytes = try Self.lsBytes()
        #expect(interpreter.size == interpreter.path.utf8.count + 1)
        #expect(Array(bytes[interpreter.fileOffset..<interpreter.fileOffset + interpreter.path.utf8.count]) == Array(interpreter.path.utf8))
        #expect(bytes[interpreter.fileOffset + interpreter.size - 1] == 0)
    }

    @Test func rejectsWhatIsNotAnElf64Image() throws {
        #expect(ElfImage([]) == nil)
        #expect(ElfImage(Array("#!/bin/sh\necho hello, this is a script and not an ELF image at all....\n".utf8)) == nil)
        #expect(ElfImage(Array(try Self.lsBytes().prefix(63))) == nil, "shorter than an ELF header")
        var elf32 = try Self.lsBytes()
        elf32[4] = 1  // ELFCLASS32
        #expect(ElfImage(elf32) == nil)
    }

    @Test func truncatedImageHasNoInterpreter() throws {
        let bytes = try Self.lsBytes()
        let whole = try #require(ElfImage(bytes)?.interpreter)
        // Only the ELF header: the program headers are missing.
        #expect(try #require(ElfImage(Array(bytes.prefix(64)))).interpreter == nil)
        // Program headers present, but the path is cut off.
        let cut = Array(bytes.prefix(whole.fileOffset + whole.size - 1))
        #expect(try #require(ElfImage(cut)).interpreter == nil)
    }

    @Test func garbageAfterTheMagicHasNoInterpreter() throws {
        var bytes: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 56)
        var state: UInt32 = 12345
        for _ in 0..<4096 {
            state = state &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16))
        }
        // Program header table at 64 with 56-byte entries, but none of them is PT_INTERP.
        bytes.replaceSubrange(0x20..<0x28, with: [64, 0, 0, 0, 0, 0, 0, 0])
        bytes.replaceSubrange(0x36..<0x3a, with: [56, 0, 4, 0])
        for entry in 0..<4 { bytes.replaceSubrange(64 + entry * 56..<68 + entry * 56, with: [1, 0, 0, 0]) }
        #expect(try #require(ElfImage(bytes)).interpreter == nil)
    }

    /// A header whose offsets are huge (all bits set) must be rejected, not crash the process.
    @Test func hugeOffsetsDoNotCrash() async {
        await #expect(processExitsWith: .success) {
            let bytes: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0xff, count: 120)
            if let image = ElfImage(bytes) {
                _ = image.interpreter
                _ = image.dynamicSymbols
            }
        }
    }

    @Test func dynamicSymbolsOfLsIncludeWhatReadelfShows() throws {
        let symbols = try #require(ElfImage(try Self.lsBytes())).dynamicSymbols
        #expect(!symbols.isEmpty)
        // Every defined dynamic symbol of ls with a non-zero value, per `readelf --dyn-syms -W`.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/readelf") else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
        process.arguments = ["--dyn-syms", "-W", Self.lsPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var checked = 0
        for line in text.split(separator: "\n") {
            // "   Num:    Value          Size Type    Bind   Vis      Ndx Name"
            let fields = line.split(separator: " ")
            guard fields.count >= 8, fields[0].hasSuffix(":"), fields[6] != "UND",
                  let value = UInt64(fields[1], radix: 16), value != 0 else { continue }
            let name = String(fields[7].prefix { $0 != "@" })
            #expect(symbols[name] == value, "symbol \(name)")
            checked += 1
        }
        #expect(checked > 0)
    }

    /// DT_NEEDED in order, as `readelf -d` lists the "Shared library" entries.
    @Test func neededLibrariesOfLsMatchReadelf() throws {
        let needed = try #require(ElfImage(try Self.lsBytes())).neededLibraries
        #expect(needed.contains("libc.so.6"))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/readelf") else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
        process.arguments = ["-dW", Self.lsPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // " 0x0000000000000001 (NEEDED)             Shared library: [libselinux.so.1]"
        let reported = text.split(separator: "\n").filter { $0.contains("(NEEDED)") }
            .compactMap { $0.split(separator: "[").last?.split(separator: "]").first.map(String.init) }
        #expect(needed == reported)
    }

    @Test func damagedImagesNeedNothing() throws {
        let bytes = try Self.lsBytes()
        #expect(try #require(ElfImage(Array(bytes.prefix(64)))).neededLibraries.isEmpty)
        #expect(try #require(ElfImage([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0xff, count: 120))).neededLibraries.isEmpty)
    }

    /// The unwind table's function starts include libc's exported functions (each symbol's address
    /// turned into a file offset through its executable segment), ascending and inside the file.
    @Test func functionStartsOfLibcIncludeItsExportedFunctions() throws {
        let path = "/lib/x86_64-linux-gnu/libc.so.6"
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        let image = try #require(ElfImage(bytes))
        let starts = image.functionStartOffsets
        #expect(starts.count > 1000)
        #expect(starts == starts.sorted() && starts.allSatisfy { $0 > 0 && $0 < bytes.count })
        let executable = image.segments.filter(\.isExecutable)
        let symbols = image.dynamicSymbols
        for name in ["malloc", "free", "memcpy", "printf", "write"] {
            let address = try #require(symbols[name], "\(name) not in libc's dynamic symbols")
            let offset = try #require(executable.lazy.compactMap { $0.fileOffset(of: address) }.first)
            #expect(starts.contains(Int(offset)), "\(name) at file offset 0x\(String(offset, radix: 16)) is not a function start")
        }
        #expect(ElfImage(Array(bytes.prefix(64)))?.functionStartOffsets ?? [] == [])
    }
}
