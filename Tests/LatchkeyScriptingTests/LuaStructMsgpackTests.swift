// struct (0.2) and cmsgpack (0.4) as Redis 7.0 bundles them; expected bytes and error texts
// were taken from a real redis-server 7.0.
import LatchkeyCore
import LatchkeyScripting
import Testing

@Suite("Lua struct and cmsgpack libraries") struct LuaStructMsgpackTests {
    let h = Harness()

    @Test("struct.pack/unpack/size - integers, endianness, alignment and strings") func structRoundTrips() {
        #expect(h.eval("return struct.pack('>I4', 1)") == .bulk([0, 0, 0, 1]))
        #expect(h.eval("return struct.pack('<i2', -2)") == .bulk([0xFE, 0xFF]))
        #expect(h.eval("return struct.pack('!4 b i', 1, 2)") == .bulk([1, 0, 0, 0, 2, 0, 0, 0]))
        #expect(h.eval("return struct.size('>I4 d c10')") == .integer(22))
        #expect(
            h.eval("return {struct.unpack('>bBhH', struct.pack('>bBhH', -1, 255, -300, 65000))}")
                == .array([.integer(-1), .integer(255), .integer(-300), .integer(65000), .integer(7)]))
        #expect(
            h.eval("return {struct.unpack('s c3', struct.pack('s c3', 'ab', 'xyz'))}")
                == .array([bulk("ab"), bulk("xyz"), .integer(7)]))
        #expect(
            h.eval("return {struct.unpack('B c0', struct.pack('B c0', 3, 'abc'))}")
                == .array([bulk("abc"), .integer(5)]))
    }

    @Test("struct - errors carry struct's texts and the caller's name for the function") func structErrors() {
        let a = "return struct.pack('z', 1)"
        #expect(
            h.error(a)
                == "ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'z') script: \(sha(a)), on @user_script:1."
        )
        #expect(
            h.eval("return {pcall(struct.pack, 'z')}")
                == .array([.null, bulk("bad argument #1 to '?' (invalid format option 'z')")]))
        let b = "return struct.unpack('>I4', 'ab')"
        #expect(
            h.error(b)
                == "ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: \(sha(b)), on @user_script:1."
        )
        let c = "return struct.pack('I4')"
        #expect(
            h.error(c)
                == "ERR user_script:1: bad argument #2 to 'pack' (number expected, got nil) script: \(sha(c)), on @user_script:1."
        )
    }

    @Test("cmsgpack.pack - smallest integer forms, float32 when exact, arrays vs maps") func msgpackPack() {
        #expect(h.eval("return cmsgpack.pack({1,2})") == .bulk([0x92, 1, 2]))
        #expect(
            h.eval("return cmsgpack.pack(127, 128, -32, -33, 256, 65536)")
                == .bulk([0x7F, 0xCC, 0x80, 0xE0, 0xD0, 0xDF, 0xCD, 1, 0, 0xCE, 0, 1, 0, 0]))
        #expect(h.eval("return cmsgpack.pack(1.5)") == .bulk([0xCA, 0x3F, 0xC0, 0, 0]))
        #expect(h.eval("return cmsgpack.pack({a=1})") == .bulk([0x81, 0xA1, 0x61, 1]))
        #expect(h.eval("return cmsgpack.pack({})") == .bulk([0x90]))
        #expect(h.eval("return cmsgpack.pack({[1]=1,[3]=3})") == .bulk([0x82, 1, 1, 3, 3]))
        #expect(h.eval("return cmsgpack.pack(true, false, nil)") == .bulk([0xC3, 0xC2, 0xC0]))
    }

    @Test("cmsgpack.unpack, unpack_one and unpack_limit") func msgpackUnpack() {
        #expect(
            h.eval("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}, -7))}")
                == .array([.integer(1), bulk("a"), .array([.integer(1), .integer(2)]), .integer(-7)]))
        #expect(h.eval("return cmsgpack.unpack(cmsgpack.pack({a={b='c'}})).a.b") == bulk("c"))
        #expect(h.eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}") == .array([.integer(1), .integer(1)]))
        #expect(
            h.eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}")
                == .array([.integer(2), .integer(1), .integer(2)]))
        #expect(
            h.eval("return {pcall(cmsgpack.unpack, '\\146\\1')}") == .array([.null, bulk("Missing bytes in input.")]))
    }
}
