// XXH3-64 with seed 0 and the default secret (the digest Redis 8.4's DIGEST/IFDEQ use), written
// from the published algorithm: one path per length class (0, 1-3, 4-8, 9-16, 17-128, 129-240,
// and the striped long-input loop). Byte order is little-endian as the algorithm specifies.

public enum XXH3 {
    @usableFromInline static let prime32_1: UInt64 = 0x9E37_79B1
    @usableFromInline static let prime32_2: UInt64 = 0x85EB_CA77
    @usableFromInline static let prime32_3: UInt64 = 0xC2B2_AE3D
    @usableFromInline static let prime64_1: UInt64 = 0x9E37_79B1_85EB_CA87
    @usableFromInline static let prime64_2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    @usableFromInline static let prime64_3: UInt64 = 0x1656_67B1_9E37_79F9
    @usableFromInline static let prime64_4: UInt64 = 0x85EB_CA77_C2B2_AE63
    @usableFromInline static let prime64_5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The default 192-byte secret defined by the XXH3 specification.
    static let secret: [UInt8] = [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c, 0xde, 0xd4,
        0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f, 0xcb, 0x79, 0xe6, 0x4e,
        0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21, 0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43,
        0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c, 0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb,
        0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3, 0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19,
        0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8, 0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7,
        0xc7, 0x0b, 0x4f, 0x1d, 0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78,
        0x73, 0x64, 0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e, 0x2b, 0x16,
        0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce, 0x45, 0xcb, 0x3a, 0x8f,
        0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ]

    /// XXH3-64 (seed 0) of `count` bytes at `p`.
    public static func hash64(_ p: UnsafeRawPointer, _ count: Int) -> UInt64 {
        secret.withUnsafeBytes { s in hash(p, count, s.baseAddress!) }
    }

    /// XXH3-64 (seed 0) of a byte string.
    public static func hash64(_ bytes: Bytes) -> UInt64 {
        bytes.withUnsafeBytes { b in hash64(b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, b.count) }
    }

    /// The 16 lower-case hex digits Redis's DIGEST prints.
    public static func hex(_ h: UInt64) -> Bytes {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = Bytes(repeating: 48, count: 16)
        var v = h
        for i in stride(from: 15, through: 0, by: -1) {
            out[i] = digits[Int(v & 15)]
            v >>= 4
        }
        return out
    }

    // MARK: primitives

    @inline(__always) static func r64(_ p: UnsafeRawPointer, _ o: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }

    @inline(__always) static func r32(_ p: UnsafeRawPointer, _ o: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
    }

    @inline(__always) static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = a.multipliedFullWidth(by: b)
        return m.high ^ m.low
    }

    @inline(__always) static func avalanche(_ x: UInt64) -> UInt64 {
        var h = x ^ (x >> 37)
        h = h &* 0x1656_6791_9E37_79F9
        return h ^ (h >> 32)
    }

    @inline(__always) static func avalanche64(_ x: UInt64) -> UInt64 {
        var h = x ^ (x >> 33)
        h = h &* prime64_2
        h ^= h >> 29
        h = h &* prime64_3
        return h ^ (h >> 32)
    }

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func mix16(_ p: UnsafeRawPointer, _ o: Int, _ s: UnsafeRawPointer, _ so: Int) -> UInt64 {
        fold(r64(p, o) ^ r64(s, so), r64(p, o + 8) ^ r64(s, so + 8))
    }

    // MARK: length classes

    static func hash(_ p: UnsafeRawPointer, _ n: Int, _ s: UnsafeRawPointer) -> UInt64 {
        let len = UInt64(n)
        switch n {
        case 0: return avalanche64(r64(s, 56) ^ r64(s, 64))
        case 1...3:
            let c1 = UInt64(p.load(fromByteOffset: 0, as: UInt8.self))
            let c2 = UInt64(p.load(fromByteOffset: n >> 1, as: UInt8.self))
            let c3 = UInt64(p.load(fromByteOffset: n - 1, as: UInt8.self))
            let combined = (c1 << 16) | (c2 << 24) | c3 | (len << 8)
            return avalanche64(combined ^ (r32(s, 0) ^ r32(s, 4)))
        case 4...8:
            let input64 = r32(p, n - 4) &+ (r32(p, 0) << 32)
            var h = input64 ^ (r64(s, 8) ^ r64(s, 16))
            h ^= rotl(h, 49) ^ rotl(h, 24)
            h = h &* 0x9FB2_1C65_1E98_DF25
            h ^= (h >> 35) &+ len
            h = h &* 0x9FB2_1C65_1E98_DF25
            return h ^ (h >> 28)
        case 9...16:
            let lo = r64(p, 0) ^ (r64(s, 24) ^ r64(s, 32))
            let hi = r64(p, n - 8) ^ (r64(s, 40) ^ r64(s, 48))
            return avalanche(len &+ lo.byteSwapped &+ hi &+ fold(lo, hi))
        case 17...128:
            var acc = len &* prime64_1
            if n > 32 {
                if n > 64 {
                    if n > 96 {
                        acc = acc &+ mix16(p, 48, s, 96)
                        acc = acc &+ mix16(p, n - 64, s, 112)
                    }
                    acc = acc &+ mix16(p, 32, s, 64)
                    acc = acc &+ mix16(p, n - 48, s, 80)
                }
                acc = acc &+ mix16(p, 16, s, 32)
                acc = acc &+ mix16(p, n - 32, s, 48)
            }
            acc = acc &+ mix16(p, 0, s, 0)
            acc = acc &+ mix16(p, n - 16, s, 16)
            return avalanche(acc)
        case 129...240:
            var acc = len &* prime64_1
            for i in 0..<8 { acc = acc &+ mix16(p, 16 * i, s, 16 * i) }
            acc = avalanche(acc)
            for i in 8..<(n / 16) { acc = acc &+ mix16(p, 16 * i, s, 16 * (i - 8) + 3) }
            acc = acc &+ mix16(p, n - 16, s, 136 - 17)
            return avalanche(acc)
        default: return hashLong(p, n, s)
        }
    }

    static func hashLong(_ p: UnsafeRawPointer, _ n: Int, _ s: UnsafeRawPointer) -> UInt64 {
        var acc: [UInt64] = [prime32_3, prime64_1, prime64_2, prime64_3, prime64_4, prime32_2, prime64_5, prime32_1]
        let secretSize = 192
        let stripesPerBlock = (secretSize - 64) / 8
        let blockLen = 64 * stripesPerBlock
        let blocks = (n - 1) / blockLen
        acc.withUnsafeMutableBufferPointer { a in
            func accumulate(_ at: Int, _ so: Int) {
                for i in 0..<8 {
                    let v = r64(p, at + 8 * i)
                    let k = v ^ r64(s, so + 8 * i)
                    a[i ^ 1] = a[i ^ 1] &+ v
                    a[i] = a[i] &+ (k & 0xFFFF_FFFF) &* (k >> 32)
                }
            }
            for b in 0..<blocks {
                for st in 0..<stripesPerBlock { accumulate(b * blockLen + st * 64, st * 8) }
                for i in 0..<8 {
                    var x = a[i]
                    x ^= x >> 47
                    x ^= r64(s, secretSize - 64 + 8 * i)
                    a[i] = x &* prime32_1
                }
            }
            let stripes = ((n - 1) - blockLen * blocks) / 64
            for st in 0..<stripes { accumulate(blocks * blockLen + st * 64, st * 8) }
            accumulate(n - 64, secretSize - 64 - 7)
        }
        var result = UInt64(n) &* prime64_1
        for i in 0..<4 {
            result = result &+ fold(acc[2 * i] ^ r64(s, 11 + 16 * i), acc[2 * i + 1] ^ r64(s, 11 + 16 * i + 8))
        }
        return avalanche(result)
    }
}
