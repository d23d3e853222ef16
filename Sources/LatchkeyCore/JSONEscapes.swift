// The JSON string-escape rules (RFC 8259 §7) that both JSON readers share: the management API's
// parser (LatchkeyHTTP) and cjson.decode for scripts (LatchkeyScripting). Each reader keeps its
// own errors and cursor; what a `\x` escape means and how a code point becomes UTF-8 live here.

public enum JSONEscapes {
    /// The byte a one-character escape stands for (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`,
    /// `\t`), or nil for `\u` and for letters JSON does not define.
    @inline(__always) public static func simple(_ letter: UInt8) -> UInt8? {
        switch letter {
        case 0x22, 0x5C, 0x2F: return letter
        case 0x62: return 0x08
        case 0x66: return 0x0C
        case 0x6E: return 0x0A
        case 0x72: return 0x0D
        case 0x74: return 0x09
        default: return nil
        }
    }

    /// `\uD800`–`\uDBFF`: must be followed by a low surrogate escape.
    @inline(__always) public static func isHighSurrogate(_ u: UInt32) -> Bool { (0xD800..<0xDC00).contains(u) }
    /// `\uDC00`–`\uDFFF`: valid only after a high surrogate.
    @inline(__always) public static func isLowSurrogate(_ u: UInt32) -> Bool { (0xDC00..<0xE000).contains(u) }

    /// The code point a surrogate pair stands for.
    @inline(__always) public static func combine(high: UInt32, low: UInt32) -> UInt32 {
        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    }

    /// Appends `cp` (at most 0x10FFFF, not a surrogate) as UTF-8.
    public static func appendUTF8(_ cp: UInt32, to out: inout Bytes) {
        switch cp {
        case 0..<0x80: out.append(UInt8(cp))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | cp >> 6))
            out.append(UInt8(0x80 | cp & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | cp >> 12))
            out.append(UInt8(0x80 | (cp >> 6) & 0x3F))
            out.append(UInt8(0x80 | cp & 0x3F))
        default:
            out.append(UInt8(0xF0 | cp >> 18))
            out.append(UInt8(0x80 | (cp >> 12) & 0x3F))
            out.append(UInt8(0x80 | (cp >> 6) & 0x3F))
            out.append(UInt8(0x80 | cp & 0x3F))
        }
    }
}
