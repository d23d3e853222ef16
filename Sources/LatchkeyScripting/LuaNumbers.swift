// Where a script's Lua number (a double: NaN, ±inf, 1e300 and 2^63 included) meets a machine
// integer. Swift traps on an out-of-range conversion, C does not; the libraries Redis bundles
// read their numeric arguments with C casts, so their answers depend on what x86-64 does with
// them. Every conversion in this module goes through one of these total functions.
//
// Audit (issue 15 item 2 / issue 16 item 1), LatchkeyScripting, what was checked:
// - every `Int(`, `Int32(`, `Int64(`, `UInt64(` applied to a `lua_tonumber` result: redis.log
//   level, bit.tohex width, struct.pack integers, struct.unpack offset and `c0` size,
//   cmsgpack.unpack_one/unpack_limit offset and limit, unpack's range, table keys in
//   cjson/cmsgpack array detection, the script's integer reply (`truncate`);
// - `+`, `-`, `*` on values derived from them (struct positions and padding, msgpack offsets,
//   unpack's count) use UInt64 wrapping arithmetic (what size_t does in C) or are compared
//   before they are combined, so none can trap;
// - negation of a script-chosen Int32 (bit.tohex's INT32_MIN, CVE-2024-31449 in Redis).

/// C's numeric casts on x86-64, and the one checked "Lua number → Int or error" helper.
enum LuaNumber {
    static let two63 = 9_223_372_036_854_775_808.0

    /// `(long long)d` (cvttsd2si): NaN and out-of-range values give Int64.min. This is also
    /// `lua_tointeger` / `luaL_checkinteger` on Debian's amd64 liblua5.1.
    @inline(__always) static func cLongLong(_ d: Double) -> Int64 {
        if d.isNaN || d >= two63 || d < -two63 { return Int64.min }
        return Int64(d)
    }

    /// `(int)d` straight from a double (32-bit cvttsd2si): NaN and out-of-range give Int32.min.
    @inline(__always) static func cInt(_ d: Double) -> Int32 {
        if d.isNaN || d >= 2_147_483_648.0 || d <= -2_147_483_649.0 { return Int32.min }
        return Int32(d)
    }

    /// `luaL_checkint`: `(int)(lua_Integer)d`, the low 32 bits of `cLongLong`.
    @inline(__always) static func luaInt(_ d: Double) -> Int32 { Int32(truncatingIfNeeded: cLongLong(d)) }

    /// `(size_t)d` as gcc compiles it for x86-64: below 2^63 (NaN and negatives included) the
    /// signed conversion's bits, from 2^63 on the conversion of d - 2^63 with the top bit
    /// flipped (so 1e300 and +inf give 0).
    @inline(__always) static func cSizeT(_ d: Double) -> UInt64 {
        if d >= two63 { return UInt64(bitPattern: cLongLong(d - two63)) ^ (1 << 63) }
        return UInt64(bitPattern: cLongLong(d))
    }

    /// The checked conversion Latchkey uses where it chooses the semantics itself: the value
    /// truncated toward zero when it is finite and fits in an Int, nil otherwise (the caller
    /// answers with an error).
    @inline(__always) static func int(_ d: Double) -> Int? {
        guard d.isFinite, d >= -two63, d < two63 else { return nil }
        return Int(d)
    }
}
