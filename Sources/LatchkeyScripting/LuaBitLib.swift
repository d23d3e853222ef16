// The `bit` library Redis bundles (LuaBitOp 1.0 semantics: 32-bit operations on Lua numbers,
// results as signed 32-bit numbers), written here because Debian's lua-bitop is a loadable
// module and scripts may not `require` (cjson, struct and cmsgpack have their own files).
import CLua51
import LatchkeyCore

extension LuaInterpreter {
    /// Fills the `bit` table on top of the stack.
    func registerBitLibrary() {
        setFields([
            ("tobit", LuaInterpreter.bitTobit), ("bnot", LuaInterpreter.bitBnot), ("band", LuaInterpreter.bitBand),
            ("bor", LuaInterpreter.bitBor), ("bxor", LuaInterpreter.bitBxor), ("lshift", LuaInterpreter.bitLshift),
            ("rshift", LuaInterpreter.bitRshift), ("arshift", LuaInterpreter.bitArshift),
            ("rol", LuaInterpreter.bitRol), ("ror", LuaInterpreter.bitRor), ("bswap", LuaInterpreter.bitBswap),
            ("tohex", LuaInterpreter.bitTohex),
        ])
    }

    /// LuaBitOp's number normalisation: add 2^52+2^51 and keep the low 32 bits, which rounds
    /// to nearest and wraps modulo 2^32 exactly as the C library does.
    static func bitArg(_ L: OpaquePointer?, _ i: Int32, _ fname: StaticString) -> UInt32? {
        guard lua_type(L, i) == LUA_TNUMBER || (lua_type(L, i) == LUA_TSTRING && lua_isnumber(L, i) != 0) else {
            // luaL_argerror's text and position, named as the caller named the function.
            _ = argError(L, i, "number expected, got \(typeName(L, i))")
            return nil
        }
        let d = lua_tonumber(L, i) + 6_755_399_441_055_744.0
        return UInt32(truncatingIfNeeded: d.bitPattern)
    }

    @inline(__always) static func bitPush(_ L: OpaquePointer?, _ v: UInt32) -> Int32 {
        lua_pushnumber(L, Double(Int32(bitPattern: v)))
        return 1
    }

    static func bitFold(_ L: OpaquePointer?, _ name: StaticString, _ op: (UInt32, UInt32) -> UInt32) -> Int32 {
        guard var acc = bitArg(L, 1, name) else { return -1 }
        var i: Int32 = 2
        while i <= lua_gettop(L) {
            guard let v = bitArg(L, i, name) else { return -1 }
            acc = op(acc, v)
            i += 1
        }
        return bitPush(L, acc)
    }

    static func bitShift(_ L: OpaquePointer?, _ name: StaticString, _ op: (UInt32, UInt32) -> UInt32) -> Int32 {
        guard let a = bitArg(L, 1, name), let n = bitArg(L, 2, name) else { return -1 }
        return bitPush(L, op(a, n & 31))
    }

    static let bitTobit: SwiftLuaFunction = { L in bitArg(L, 1, "tobit").map { bitPush(L, $0) } ?? -1 }
    static let bitBnot: SwiftLuaFunction = { L in bitArg(L, 1, "bnot").map { bitPush(L, ~$0) } ?? -1 }
    static let bitBswap: SwiftLuaFunction = { L in bitArg(L, 1, "bswap").map { bitPush(L, $0.byteSwapped) } ?? -1 }
    static let bitBand: SwiftLuaFunction = { L in bitFold(L, "band", &) }
    static let bitBor: SwiftLuaFunction = { L in bitFold(L, "bor", |) }
    static let bitBxor: SwiftLuaFunction = { L in bitFold(L, "bxor", ^) }
    static let bitLshift: SwiftLuaFunction = { L in bitShift(L, "lshift") { $0 << $1 } }
    static let bitRshift: SwiftLuaFunction = { L in bitShift(L, "rshift") { $0 >> $1 } }
    static let bitArshift: SwiftLuaFunction = { L in
        bitShift(L, "arshift") { UInt32(bitPattern: Int32(bitPattern: $0) >> Int32($1)) }
    }
    static let bitRol: SwiftLuaFunction = { L in bitShift(L, "rol") { $0 << $1 | $0 >> ((32 - $1) & 31) } }
    static let bitRor: SwiftLuaFunction = { L in bitShift(L, "ror") { $0 >> $1 | $0 << ((32 - $1) & 31) } }

    /// bit.tohex(x [, n]): n hex digits (default 8), upper case when n is negative.
    static let bitTohex: SwiftLuaFunction = { L in
        guard var v = bitArg(L, 1, "tohex") else { return -1 }
        var n: Int32 = 8
        if lua_type(L, 2) > LUA_TNIL {
            guard let raw = bitArg(L, 2, "tohex") else { return -1 }
            n = Int32(bitPattern: raw)
        }
        // -INT32_MIN does not exist; LuaBitOp (since Redis's CVE-2024-31449 fix) clamps it.
        if n == Int32.min { n = Int32.min + 1 }
        let digits: StaticString = n < 0 ? "0123456789ABCDEF" : "0123456789abcdef"
        if n < 0 { n = -n }
        if n > 8 { n = 8 }
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 8) { buf in
            var i = Int(n) - 1
            while i >= 0 {
                buf[i] = CChar(bitPattern: digits.utf8Start[Int(v & 15)])
                v >>= 4
                i -= 1
            }
            lua_pushlstring(L, buf.baseAddress!, Int(n))
        }
        return 1
    }
}
