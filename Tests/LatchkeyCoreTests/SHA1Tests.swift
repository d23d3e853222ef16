// SHA-1 against the FIPS 180 example vectors and the padding boundaries (55/56/64 bytes),
// plus hex parsing as EVALSHA uses it.
import LatchkeyCore
import Testing

@Suite("SHA1") struct SHA1Tests {
    private func hex(_ s: String) -> String { SHA1.hash(Bytes(utf8: s)).hexString }

    @Test("SHA1 - standard vectors") func vectors() {
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(
            SHA1.hash(Bytes(repeating: 97, count: 1_000_000)).hexString == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("SHA1 - padding boundaries") func boundaries() {
        #expect(hex(String(repeating: "a", count: 55)) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(hex(String(repeating: "a", count: 56)) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        #expect(hex(String(repeating: "a", count: 64)) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    @Test("SHA1 - the digest Redis reports for SCRIPT LOAD 'return 1'") func redisScript() {
        #expect(hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }

    @Test("SHA1 - hex parsing accepts either case and rejects bad input") func parse() {
        let lower = Bytes(utf8: "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
        let upper = Bytes(utf8: "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB")
        let a = lower.withUnsafeBufferPointer { SHA1Digest(hex: $0.baseAddress!, count: $0.count) }
        let b = upper.withUnsafeBufferPointer { SHA1Digest(hex: $0.baseAddress!, count: $0.count) }
        #expect(a != nil && a == b)
        #expect(a == SHA1.hash(Bytes(utf8: "return 1")))
        let short = Bytes(utf8: "fff")
        #expect(short.withUnsafeBufferPointer { SHA1Digest(hex: $0.baseAddress!, count: $0.count) } == nil)
        var bad = lower
        bad[5] = 103  // 'g'
        #expect(bad.withUnsafeBufferPointer { SHA1Digest(hex: $0.baseAddress!, count: $0.count) } == nil)
    }
}
