import CRRShims

/// The x86-64 registers this server shows gdb, in the order of its `g` packet, and the target
/// description (`target.xml`, read with qXfer:features:read) that tells gdb that order. gdb
/// requires the features named below for an x86-64 GNU/Linux target: `core` (general, segment
/// and x87 registers), `sse` (xmm0-15, mxcsr) and `linux` (orig_rax, which gdb needs to restart
/// syscalls); `segments` adds fs_base and gs_base; `avx` (the upper halves of ymm0-15) and
/// `avx512` (xmm16-31, their ymm halves, k0-7 and the upper halves of zmm0-31) where this CPU
/// has them (replay runs on the recording's CPU model), from the XSAVE image.
public enum TargetDescription {
    /// Where a register's value comes from.
    public enum Source: Equatable, Sendable {
        /// A word of ptrace's user_regs_struct, by its name there, truncated to the width.
        case general(String)
        /// `width` bytes of the XSAVE image (its first 512 bytes are the FXSAVE area), zero-extended.
        case xsave(offset: Int, width: Int)
        /// The last x87 opcode: the low 11 bits of its FXSAVE word.
        case x87Opcode
        /// The x87 tag word, which FXSAVE keeps abridged (one bit a register: in use or empty).
        case x87TagWord
    }

    public struct Register: Equatable, Sendable {
        public let name: String
        public let bits: Int
        public let type: String
        public let feature: String
        public let source: Source
        public var bytes: Int { bits / 8 }
    }

    static let core = "org.gnu.gdb.i386.core", sse = "org.gnu.gdb.i386.sse"
    static let linux = "org.gnu.gdb.i386.linux", segments = "org.gnu.gdb.i386.segments"
    static let avx = "org.gnu.gdb.i386.avx", avx512 = "org.gnu.gdb.i386.avx512"

    // FXSAVE offsets (Intel SDM vol. 1, table 10-2, 64-bit layout).
    static let controlWord = 0, statusWord = 2, opcode = 6, instructionPointer = 8, operandPointer = 16
    static let mxcsr = 24, firstStackRegister = 32, firstXmm = 160
    /// FXSAVE keeps each x87 register in 16 bytes, of which gdb's i387_ext uses 10.
    static let stackRegisterStride = 16, xmmBytes = 16
    public static let fxsaveBytes = 512
    /// XSAVE components of the standard image ptrace gives (Intel SDM vol. 1, 13.4), where the
    /// CPU has them and the OS enabled them, at the offsets CPUID gives (they differ between
    /// CPUs: 1088 for the opmask registers on some, 832 on others without MPX).
    static let avxComponent = 2, opmaskComponent = 5, zmmHighComponent = 6, highZmmComponent = 7
    /// The enabled components' places in the image: component -> (offset, size).
    static let xsaveComponents: [Int: (offset: Int, size: Int)] = {
        var places: [Int: (offset: Int, size: Int)] = [:]
        for component in [avxComponent, opmaskComponent, zmmHighComponent, highZmmComponent] {
            var offset: UInt32 = 0, size: UInt32 = 0
            if rr_shim_xsave_component(UInt32(component), &offset, &size) == 1 { places[component] = (Int(offset), Int(size)) }
        }
        return places
    }()
    static func xsaveOffset(_ component: Int) -> Int? { xsaveComponents[component]?.offset }

    /// The component (bit of the XSAVE header's XSTATE_BV) whose part of the image holds `offset`.
    public static func xsaveComponent(containing offset: Int) -> Int? {
        xsaveComponents.first { offset >= $0.value.offset && offset < $0.value.offset + $0.value.size }?.key
    }

    public static let registers: [Register] = {
        var list: [Register] = []
        func add(_ name: String, _ bits: Int, _ type: String, _ feature: String, _ source: Source) {
            list.append(Register(name: name, bits: bits, type: type, feature: feature, source: source))
        }
        for name in ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"] {
            add(name, 64, name == "rbp" || name == "rsp" ? "data_ptr" : "int64", core, .general(name))
        }
        for number in 8...15 { add("r\(number)", 64, "int64", core, .general("r\(number)")) }
        add("rip", 64, "code_ptr", core, .general("rip"))
        add("eflags", 32, "int32", core, .general("eflags"))
        for name in ["cs", "ss", "ds", "es", "fs", "gs"] { add(name, 32, "int32", core, .general(name)) }
        for index in 0..<8 { add("st\(index)", 80, "i387_ext", core, .xsave(offset: firstStackRegister + index * stackRegisterStride, width: 10)) }
        add("fctrl", 32, "int", core, .xsave(offset: controlWord, width: 2))
        add("fstat", 32, "int", core, .xsave(offset: statusWord, width: 2))
        add("ftag", 32, "int", core, .x87TagWord)
        // In 64-bit FXSAVE the "segment" halves of the x87 pointers are their upper bits.
        add("fiseg", 32, "int", core, .xsave(offset: instructionPointer + 4, width: 2))
        add("fioff", 32, "int", core, .xsave(offset: instructionPointer, width: 4))
        add("foseg", 32, "int", core, .xsave(offset: operandPointer + 4, width: 2))
        add("fooff", 32, "int", core, .xsave(offset: operandPointer, width: 4))
        add("fop", 32, "int", core, .x87Opcode)
        for index in 0..<16 { add("xmm\(index)", 128, "vec128", sse, .xsave(offset: firstXmm + index * xmmBytes, width: xmmBytes)) }
        add("mxcsr", 32, "int", sse, .xsave(offset: mxcsr, width: 4))
        add("orig_rax", 64, "int", linux, .general("orig_rax"))
        add("fs_base", 64, "int", segments, .general("fs_base"))
        add("gs_base", 64, "int", segments, .general("gs_base"))
        if let ymmHigh = xsaveOffset(avxComponent) {
            for index in 0..<16 { add("ymm\(index)h", 128, "uint128", avx, .xsave(offset: ymmHigh + index * 16, width: 16)) }
        }
        if let opmask = xsaveOffset(opmaskComponent), let zmmHigh = xsaveOffset(zmmHighComponent), let highZmm = xsaveOffset(highZmmComponent) {
            for index in 16..<32 { add("xmm\(index)", 128, "vec128", avx512, .xsave(offset: highZmm + (index - 16) * 64, width: 16)) }
            for index in 16..<32 { add("ymm\(index)h", 128, "uint128", avx512, .xsave(offset: highZmm + (index - 16) * 64 + 16, width: 16)) }
            for index in 0..<8 { add("k\(index)", 64, "uint64", avx512, .xsave(offset: opmask + index * 8, width: 8)) }
            for index in 0..<16 { add("zmm\(index)h", 256, "v2ui128", avx512, .xsave(offset: zmmHigh + index * 32, width: 32)) }
            for index in 16..<32 { add("zmm\(index)h", 256, "v2ui128", avx512, .xsave(offset: highZmm + (index - 16) * 64 + 32, width: 32)) }
        }
        return list
    }()

    /// The value of every register, in `g` order, from ptrace's general registers (by name) and
    /// the thread's FXSAVE area.
    public static func values(general: [String: UInt64], xsave: [UInt8]) -> [[UInt8]] {
        registers.map { value(of: $0, general: general, xsave: xsave) }
    }

    static func value(of register: Register, general: [String: UInt64], xsave: [UInt8]) -> [UInt8] {
        switch register.source {
        case .general(let name):
            return Hex.littleEndian(general[name] ?? 0, width: register.bytes)
        case let .xsave(offset, width):
            guard xsave.count >= offset + width else { return [UInt8](repeating: 0, count: register.bytes) }
            return Array(xsave[offset..<offset + width]) + [UInt8](repeating: 0, count: register.bytes - width)
        case .x87Opcode:
            guard xsave.count >= opcode + 2 else { return [0, 0, 0, 0] }
            return [xsave[opcode], xsave[opcode + 1] & 0x07, 0, 0]
        case .x87TagWord:
            guard xsave.count > 4 else { return [0xff, 0xff, 0, 0] }
            // Full form: two bits a register, 3 = empty; a register in use is shown as valid (0).
            let abridged = xsave[4]
            var full: UInt32 = 0
            for index in 0..<8 where abridged & (1 << index) == 0 { full |= 3 << (2 * UInt32(index)) }
            return Hex.littleEndian(UInt64(full), width: 4)
        }
    }

    /// target.xml: one document holding every feature, the registers numbered in `g` order.
    public static let xml: String = {
        var text = """
        <?xml version="1.0"?>
        <!DOCTYPE target SYSTEM "gdb-target.dtd">
        <target version="1.0">
        <architecture>i386:x86-64</architecture>
        <osabi>GNU/Linux</osabi>

        """
        var feature = ""
        for (number, register) in registers.enumerated() {
            if register.feature != feature {
                if !feature.isEmpty { text += "</feature>\n" }
                feature = register.feature
                text += "<feature name=\"\(feature)\">\n"
                if feature == sse || feature == avx512 { text += vectorTypes }
                if feature == avx512 { text += "<vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>\n" }
            }
            text += "<reg name=\"\(register.name)\" bitsize=\"\(register.bits)\" type=\"\(register.type)\" regnum=\"\(number)\"/>\n"
        }
        return text + "</feature>\n</target>\n"
    }()

    /// The views of an xmm register gdb offers (`p $xmm0.v4_float`).
    static let vectorTypes = """
    <vector id="v4f" type="ieee_single" count="4"/>
    <vector id="v2d" type="ieee_double" count="2"/>
    <vector id="v16i8" type="int8" count="16"/>
    <vector id="v8i16" type="int16" count="8"/>
    <vector id="v4i32" type="int32" count="4"/>
    <vector id="v2i64" type="int64" count="2"/>
    <union id="vec128">
    <field name="v4_float" type="v4f"/>
    <field name="v2_double" type="v2d"/>
    <field name="v16_int8" type="v16i8"/>
    <field name="v8_int16" type="v8i16"/>
    <field name="v4_int32" type="v4i32"/>
    <field name="v2_int64" type="v2i64"/>
    <field name="uint128" type="uint128"/>
    </union>

    """
}
