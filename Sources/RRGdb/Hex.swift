/// Hexadecimal as the remote protocol writes it: lower-case digits, bytes in memory order.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func byte(_ value: UInt8) -> [UInt8] { [digits[Int(value >> 4)], digits[Int(value & 0xf)]] }

    public static func encode(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for value in bytes { text += byte(value) }
        return String(decoding: text, as: UTF8.self)
    }

    static func digit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A number written as hex digits (as addresses, lengths and thread ids are), or nil.
    public static func number<S: StringProtocol>(_ text: S) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 16 else { return nil }
        var value: UInt64 = 0
        for character in text.utf8 {
            guard let digit = digit(character) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// Bytes written as pairs of hex digits, or nil.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = digit(characters[index]), let low = digit(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// A little-endian value of `width` bytes.
    public static func littleEndian(_ value: UInt64, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
