// Standard base64 (RFC 4648 §4, with padding) for Basic credentials and for message payloads
// the management API returns or accepts with `"encoding": "base64"`.
import LatchkeyCore

/// Base64 encoding and decoding.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The padded encoding of `bytes`.
    public static func encode(_ bytes: Bytes) -> String {
        var out = Bytes()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(s)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            var n = UInt32(bytes[i]) << 16
            if rest == 2 { n |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : UInt8(0x3D))
            out.append(0x3D)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded bytes, or nil when `text` is not padded base64 (whitespace is not allowed).
    public static func decode(_ text: String) -> Bytes? {
        let u = Array(text.utf8)
        guard u.count % 4 == 0 else { return nil }
        var out = Bytes()
        out.reserveCapacity(u.count / 4 * 3)
        var i = 0
        while i < u.count {
            var n: UInt32 = 0
            var pad = 0
            for j in 0..<4 {
                let c = u[i + j]
                let v: UInt32
                switch c {
                case 0x41...0x5A: v = UInt32(c - 0x41)
                case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
                case 0x30...0x39: v = UInt32(c - 0x30 + 52)
                case 0x2B: v = 62
                case 0x2F: v = 63
                case 0x3D where i + 4 == u.count && j >= 2:
                    v = 0
                    pad += 1
                default: return nil
                }
                if pad > 0 && c != 0x3D { return nil }
                n = n << 6 | v
            }
            out.append(UInt8(n >> 16))
            if pad < 2 { out.append(UInt8((n >> 8) & 0xFF)) }
            if pad < 1 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
    }
}
