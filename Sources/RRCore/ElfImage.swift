import CElf

/// The facts the tools need from an ELF64 image, read through libelf (Debian libelf-dev): its
/// program interpreter (PT_INTERP), the libraries it needs (DT_NEEDED) and, for the vDSO, the
/// addresses of its dynamic symbols. libelf checks every table against the image's size, so a
/// damaged or truncated image gives "none", never a trap.
public struct ElfImage {
    public let bytes: [UInt8]

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 2 else { return nil }
        self.bytes = bytes
    }

    /// libelf refuses every call until it has been told which ELF version the caller knows.
    private static let libelfReady = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    /// Runs `body` on a libelf descriptor of the image. libelf is given a copy: it may adjust
    /// an image it reads in place, and `bytes` is shared.
    private func withElf<T>(_ body: (OpaquePointer) -> T?) -> T? {
        guard Self.libelfReady else { return nil }
        var copy = bytes
        return copy.withUnsafeMutableBytes { buffer -> T? in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self),
                  let elf = elf_memory(base, buffer.count) else { return nil }
            defer { elf_end(elf) }
            guard elf_kind(elf) == ELF_K_ELF else { return nil }
            return body(elf)
        }
    }

    /// The PT_INTERP segment: where its NUL-terminated path lies in the file, and the path.
    public var interpreter: (fileOffset: Int, size: Int, path: String)? {
        withElf { elf in
            var count = 0
            guard elf_getphdrnum(elf, &count) == 0 else { return nil }
            for index in 0..<count {
                var header = GElf_Phdr()
                guard gelf_getphdr(elf, Int32(index), &header) != nil, header.p_type == UInt32(PT_INTERP) else { continue }
                let available = UInt64(bytes.count)
                guard header.p_offset < available, header.p_filesz > 0, header.p_filesz <= available - header.p_offset else {
                    return nil
                }
                let offset = Int(header.p_offset), size = Int(header.p_filesz)
                let path = String(decoding: bytes[offset..<offset + size].prefix { $0 != 0 }, as: UTF8.self)
                return (offset, size, path)
            }
            return nil
        }
    }

    /// The shared libraries the image names in its dynamic section (DT_NEEDED), in order.
    public var neededLibraries: [String] {
        withElf { elf in
            var names: [String] = []
            for section in Self.sections(of: elf, type: UInt32(SHT_DYNAMIC)) {
                var entry = GElf_Dyn()
                for index in 0..<section.entryCount {
                    guard gelf_getdyn(section.data, Int32(index), &entry) != nil, entry.d_tag != Int64(DT_NULL) else { break }
                    guard entry.d_tag == Int64(DT_NEEDED),
                          let name = elf_strptr(elf, section.stringTable, Int(entry.d_un.d_val)) else { continue }
                    names.append(String(cString: name))
                }
            }
            return names
        } ?? []
    }

    /// Dynamic symbols (name to value) from the SHT_DYNSYM section.
    public var dynamicSymbols: [String: UInt64] {
        withElf { elf in
            var symbols: [String: UInt64] = [:]
            for section in Self.sections(of: elf, type: UInt32(SHT_DYNSYM)) {
                var symbol = GElf_Sym()
                for index in 0..<section.entryCount {
                    guard gelf_getsym(section.data, Int32(index), &symbol) != nil else { break }
                    guard symbol.st_value != 0,
                          let name = elf_strptr(elf, section.stringTable, Int(symbol.st_name)), name.pointee != 0 else { continue }
                    symbols[String(cString: name)] = symbol.st_value
                }
            }
            return symbols
        } ?? [:]
    }

    /// A loadable or other segment from the program header table.
    public struct Segment {
        public let type: UInt32, flags: UInt32, fileOffset: UInt64, address: UInt64, fileSize: UInt64
        public var isExecutable: Bool { type == UInt32(PT_LOAD) && flags & UInt32(PF_X) != 0 }
        /// The file offset of `address`, when it lies in the segment's file-backed part.
        public func fileOffset(of address: UInt64) -> UInt64? {
            address >= self.address && address - self.address < fileSize ? fileOffset + (address - self.address) : nil
        }
    }

    /// The program headers whose file parts lie inside the image.
    public var segments: [Segment] {
        withElf { elf in
            var count = 0
            guard elf_getphdrnum(elf, &count) == 0 else { return nil }
            var found: [Segment] = []
            for index in 0..<count {
                var header = GElf_Phdr()
                guard gelf_getphdr(elf, Int32(index), &header) != nil, header.p_offset <= UInt64(bytes.count),
                      header.p_filesz <= UInt64(bytes.count) - header.p_offset else { continue }
                found.append(Segment(type: header.p_type, flags: header.p_flags, fileOffset: header.p_offset,
                                     address: header.p_vaddr, fileSize: header.p_filesz))
            }
            return found
        } ?? []
    }

    /// The file offsets where functions start in executable segments, ascending: the initial
    /// locations of the unwind table's entries (PT_GNU_EH_FRAME, the .eh_frame_hdr search table
    /// every gcc- or clang-built image has). Only the usual encoding (a 4-byte count, entries of
    /// two 4-byte offsets from the table's start) is read; any other gives none.
    public var functionStartOffsets: [Int] {
        let segments = self.segments
        guard let table = segments.first(where: { $0.type == UInt32(PT_GNU_EH_FRAME) }), table.fileSize >= 12 else { return [] }
        let start = Int(table.fileOffset), end = start + Int(table.fileSize)
        let version: UInt8 = 1, pointerEncoding: UInt8 = 0x1b, countEncoding: UInt8 = 0x03, entryEncoding: UInt8 = 0x3b
        guard bytes[start] == version, bytes[start + 1] == pointerEncoding, bytes[start + 2] == countEncoding,
              bytes[start + 3] == entryEncoding else { return [] }
        let count = Int(bytes.loadLittleEndian(UInt32.self, at: start + 8))
        guard count <= (end - start - 12) / 8 else { return [] }
        let executable = segments.filter(\.isExecutable)
        var offsets: [Int] = []
        offsets.reserveCapacity(count)
        for index in 0..<count {
            let relative = Int32(bitPattern: bytes.loadLittleEndian(UInt32.self, at: start + 12 + index * 8))
            let address = table.address &+ UInt64(bitPattern: Int64(relative))
            if let offset = executable.lazy.compactMap({ $0.fileOffset(of: address) }).first { offsets.append(Int(offset)) }
        }
        return offsets.sorted()
    }

    /// A section's contents as libelf reads them, with its entry count and linked string table.
    private struct Section {
        let data: UnsafeMutablePointer<Elf_Data>
        let entryCount: Int
        let stringTable: Int
    }

    /// The sections of one type whose contents lie inside the image.
    private static func sections(of elf: OpaquePointer, type: UInt32) -> [Section] {
        var found: [Section] = []
        var next = elf_nextscn(elf, nil)
        while let section = next {
            next = elf_nextscn(elf, section)
            var header = GElf_Shdr()
            guard gelf_getshdr(section, &header) != nil, header.sh_type == type, header.sh_entsize > 0,
                  let data = elf_getdata(section, nil) else { continue }
            found.append(Section(data: data, entryCount: Int(header.sh_size / header.sh_entsize), stringTable: Int(header.sh_link)))
        }
        return found
    }
}
