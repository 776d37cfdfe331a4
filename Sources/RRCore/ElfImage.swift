/// The few facts the tools need from an ELF64 image: its program interpreter (PT_INTERP) and,
/// for the vDSO, the addresses of its dynamic symbols.
public struct ElfImage {
    public let bytes: [UInt8]

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 2 else { return nil }
        self.bytes = bytes
    }

    private func u16(_ offset: Int) -> Int {
        offset + 2 <= bytes.count ? Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 : 0
    }
    private func u32(_ offset: Int) -> Int { u16(offset) | u16(offset + 2) << 16 }
    private func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }
    /// A file offset or size field, or -1 when it cannot lie inside this image (a damaged header
    /// must give "no interpreter", never an arithmetic trap).
    private func offsetField(_ offset: Int) -> Int {
        let value = u64(offset)
        return value <= UInt64(bytes.count) ? Int(value) : -1
    }

    /// The PT_INTERP segment: where its NUL-terminated path lies in the file, and the path.
    public var interpreter: (fileOffset: Int, size: Int, path: String)? {
        let tableOffset = offsetField(0x20), entrySize = u16(0x36), count = u16(0x38)
        guard tableOffset >= 0 else { return nil }
        for index in 0..<count {
            let entry = tableOffset + index * entrySize  // both factors are below 2^16
            guard u32(entry) == 3 else { continue }  // PT_INTERP
            let offset = offsetField(entry + 8), size = offsetField(entry + 32)
            guard offset >= 0, size > 0, size <= bytes.count - offset else { return nil }
            let path = String(decoding: bytes[offset..<offset + size].prefix { $0 != 0 }, as: UTF8.self)
            return (offset, size, path)
        }
        return nil
    }

    /// Dynamic symbols (name to value) from the SHT_DYNSYM section.
    public var dynamicSymbols: [String: UInt64] {
        let sectionsOffset = offsetField(0x28), entrySize = u16(0x3a), count = u16(0x3c)
        guard sectionsOffset >= 0 else { return [:] }
        func section(_ index: Int) -> (type: Int, offset: Int, size: Int, link: Int, entrySize: Int) {
            let base = sectionsOffset + index * entrySize
            return (u32(base + 4), offsetField(base + 24), offsetField(base + 32), u32(base + 40), offsetField(base + 56))
        }
        var symbols: [String: UInt64] = [:]
        for index in 0..<count {
            let symbolTable = section(index)
            guard symbolTable.type == 11, symbolTable.entrySize == 24, symbolTable.link < count,  // SHT_DYNSYM
                  symbolTable.offset >= 0, symbolTable.size >= 0, symbolTable.size <= bytes.count - symbolTable.offset
            else { continue }
            let strings = section(symbolTable.link)
            guard strings.offset >= 0 else { continue }
            for symbol in stride(from: symbolTable.offset, to: symbolTable.offset + symbolTable.size, by: 24) {
                let nameOffset = strings.offset + u32(symbol)
                guard nameOffset >= 0, nameOffset < bytes.count else { continue }
                let name = String(decoding: bytes[nameOffset...].prefix { $0 != 0 }, as: UTF8.self)
                let value = u64(symbol + 8)
                if !name.isEmpty && value != 0 { symbols[name] = value }
            }
        }
        return symbols
    }
}
