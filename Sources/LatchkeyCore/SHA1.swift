// SHA-1 (FIPS 180-4) over bytes, for the Lua script cache (EVALSHA, SCRIPT LOAD/EXISTS) and
// redis.sha1hex. Not used for anything security-related; it only has to match Redis's digests.
// Hex is lower-case as Redis prints it; parsing accepts either case, as EVALSHA does.

/// A 20-byte SHA-1 digest, stored inline so it can key a dictionary without allocating.
@frozen public struct SHA1Digest: Hashable, Sendable {
    public var h0: UInt32, h1: UInt32, h2: UInt32, h3: UInt32, h4: UInt32

    @inlinable public init(_ h0: UInt32, _ h1: UInt32, _ h2: UInt32, _ h3: UInt32, _ h4: UInt32) {
        self.h0 = h0
        self.h1 = h1
        self.h2 = h2
        self.h3 = h3
        self.h4 = h4
    }

    /// Parses 40 hex digits (either case); nil for any other length or a non-hex byte.
    @inlinable public init?(hex p: UnsafePointer<UInt8>, count: Int) {
        guard count == 40 else { return nil }
        var words: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0)
        for w in 0..<5 {
            var v: UInt32 = 0
            for i in 0..<8 {
                let c = p[w * 8 + i]
                let d: UInt8
                switch c {
                case 48...57: d = c &- 48
                case 97...102: d = c &- 87
                case 65...70: d = c &- 55
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            switch w {
            case 0: words.0 = v
            case 1: words.1 = v
            case 2: words.2 = v
            case 3: words.3 = v
            default: words.4 = v
            }
        }
        self.init(words.0, words.1, words.2, words.3, words.4)
    }

    /// Parses 40 hex digits from a borrowed argument.
    @inlinable public init?(hex v: ByteView) { self.init(hex: v.base, count: v.count) }

    /// Writes the 40 lower-case hex digits to `out` (which must have room for 40 bytes).
    public func writeHex(to out: UnsafeMutablePointer<UInt8>) {
        SHA1Digest.writeWord(h0, out)
        SHA1Digest.writeWord(h1, out + 8)
        SHA1Digest.writeWord(h2, out + 16)
        SHA1Digest.writeWord(h3, out + 24)
        SHA1Digest.writeWord(h4, out + 32)
    }

    private static func writeWord(_ w: UInt32, _ out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<8 {
            let nibble = UInt8(truncatingIfNeeded: w >> (28 - 4 * UInt32(i))) & 0xF
            out[i] = nibble < 10 ? 48 &+ nibble : 87 &+ nibble
        }
    }

    /// The 40 lower-case hex digits.
    public var hex: Bytes {
        Bytes(unsafeUninitializedCapacity: 40) { buf, n in
            writeHex(to: buf.baseAddress!)
            n = 40
        }
    }

    /// The hex digits as a String (error texts, logs).
    public var hexString: String { hex.string }
}

/// SHA-1 of a whole buffer.
public enum SHA1 {
    /// The digest of `count` bytes at `p`. Scratch space is on the stack: no allocation.
    public static func hash(_ p: UnsafePointer<UInt8>?, count: Int) -> SHA1Digest {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { block in
                hash(p, count: count, block: block.baseAddress!, w: w.baseAddress!)
            }
        }
    }

    private static func hash(
        _ p: UnsafePointer<UInt8>?, count: Int, block: UnsafeMutablePointer<UInt8>, w: UnsafeMutablePointer<UInt32>
    ) -> SHA1Digest {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
        )
        var offset = 0
        // Whole blocks straight from the input.
        while count - offset >= 64 {
            compress(&h, p! + offset, w)
            offset += 64
        }
        // Tail, the 0x80 marker and the 64-bit big-endian bit length; one or two blocks.
        let rest = count - offset
        for i in 0..<64 { block[i] = i < rest ? p![offset + i] : 0 }
        block[rest] = 0x80
        if rest >= 56 {
            compress(&h, UnsafePointer(block), w)
            for i in 0..<64 { block[i] = 0 }
        }
        let bits = UInt64(count) &* 8
        for i in 0..<8 { block[63 - i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
        compress(&h, UnsafePointer(block), w)
        return SHA1Digest(h.0, h.1, h.2, h.3, h.4)
    }

    /// The digest of an owned byte string.
    public static func hash(_ b: Bytes) -> SHA1Digest {
        b.withUnsafeBufferPointer { hash($0.baseAddress, count: $0.count) }
    }

    /// The digest of a borrowed byte string.
    public static func hash(_ v: ByteView) -> SHA1Digest { hash(v.base, count: v.count) }

    private static func compress(
        _ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafePointer<UInt8>,
        _ w: UnsafeMutablePointer<UInt32>
    ) {
        for t in 0..<16 {
            w[t] =
                UInt32(block[t * 4]) << 24 | UInt32(block[t * 4 + 1]) << 16 | UInt32(block[t * 4 + 2]) << 8
                | UInt32(block[t * 4 + 3])
        }
        for t in 16..<80 {
            let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
            w[t] = x << 1 | x >> 31
        }
        var a = h.0
        var b = h.1
        var c = h.2
        var d = h.3
        var e = h.4
        for t in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch t {
            case 0..<20:
                f = (b & c) | (~b & d)
                k = 0x5A82_7999
            case 20..<40:
                f = b ^ c ^ d
                k = 0x6ED9_EBA1
            case 40..<60:
                f = (b & c) | (b & d) | (c & d)
                k = 0x8F1B_BCDC
            default:
                f = b ^ c ^ d
                k = 0xCA62_C1D6
            }
            let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[t]
            e = d
            d = c
            c = b << 30 | b >> 2
            b = a
            a = temp
        }
        h.0 &+= a
        h.1 &+= b
        h.2 &+= c
        h.3 &+= d
        h.4 &+= e
    }
}
