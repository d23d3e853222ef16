// The `cmsgpack` library Redis bundles (lua-cmsgpack 0.4): pack(...) concatenates the
// MessagePack encoding of each argument (integers in the smallest form, floats as float32 when
// exact, tables as arrays when their keys are 1..n, nesting past 16 as nil); unpack,
// unpack_one and unpack_limit decode. Written here because scripts may not load C modules.
import CLua51
import LatchkeyCore

extension LuaInterpreter {
    /// Fills the `cmsgpack` table on top of the stack.
    func registerMsgpackLibrary() {
        setFields(
            [
                ("pack", LuaInterpreter.msgpackPack), ("unpack", LuaInterpreter.msgpackUnpack),
                ("unpack_one", LuaInterpreter.msgpackUnpackOne), ("unpack_limit", LuaInterpreter.msgpackUnpackLimit),
            ], strings: [("_NAME", "lua-cmsgpack"), ("_VERSION", "lua-cmsgpack 0.4.0")])
    }

    static let msgpackMaxNesting = 16

    static let msgpackPack: SwiftLuaFunction = { L in
        let argc = lua_gettop(L)
        guard argc > 0 else { return argError(L, 0, "MessagePack pack needs input.") }
        let me = LuaInterpreter.from(L)
        var out = Bytes()
        var i: Int32 = 1
        while i <= argc {
            if let stop = me.msgpackEncode(i, into: &out, level: 0) { return stop }
            i += 1
        }
        if me.overBudget(pending: out.count) { return LK_RAISE_MEMORY }
        out.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
        }
        return 1
    }

    /// Appends one value. A table that holds itself is encoded 16 levels deep (lua-cmsgpack's
    /// rule), which can be exponential work: every value is a library step, so such a call
    /// still reaches the busy path and SCRIPT KILL, and its output the memory limit. Returns
    /// the trampoline code to stop with, or nil.
    func msgpackEncode(_ idx: Int32, into out: inout Bytes, level: Int) -> Int32? {
        if let stop = libraryStep(pending: out.count) { return stop }
        switch lua_type(L, idx) {
        case LUA_TSTRING:
            if overBudget(pending: out.count + Int(lua_objlen(L, idx))) { return LK_RAISE_MEMORY }
            withString(idx) { s in
                let n = s.count
                if n < 32 {
                    out.append(0xA0 | UInt8(n))
                } else if n <= 0xFF {
                    out += [0xD9, UInt8(n)]
                } else if n <= 0xFFFF {
                    out.append(0xDA)
                    LuaInterpreter.appendBE(UInt64(n), 2, &out)
                } else {
                    out.append(0xDB)
                    LuaInterpreter.appendBE(UInt64(n), 4, &out)
                }
                out += s
            }
        case LUA_TBOOLEAN: out.append(lua_toboolean(L, idx) != 0 ? 0xC3 : 0xC2)
        case LUA_TNUMBER: LuaInterpreter.msgpackNumber(lua_tonumber(L, idx), into: &out)
        case LUA_TTABLE where level < LuaInterpreter.msgpackMaxNesting && lua_checkstack(L, 4) != 0:
            return msgpackTable(idx, into: &out, level: level + 1)
        default: out.append(0xC0)
        }
        return nil
    }

    static func msgpackNumber(_ d: Double, into out: inout Bytes) {
        if d.isFinite, d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0, Double(Int64(d)) == d {
            let v = Int64(d)
            if v >= 0 {
                if v < 128 {
                    out.append(UInt8(v))
                } else if v <= 0xFF {
                    out += [0xCC, UInt8(v)]
                } else if v <= 0xFFFF {
                    out.append(0xCD)
                    appendBE(UInt64(v), 2, &out)
                } else if v <= 0xFFFF_FFFF {
                    out.append(0xCE)
                    appendBE(UInt64(v), 4, &out)
                } else {
                    out.append(0xCF)
                    appendBE(UInt64(v), 8, &out)
                }
            } else {
                let u = UInt64(bitPattern: v)
                if v >= -32 {
                    out.append(UInt8(truncatingIfNeeded: v))
                } else if v >= -128 {
                    out += [0xD0, UInt8(truncatingIfNeeded: v)]
                } else if v >= -32768 {
                    out.append(0xD1)
                    appendBE(u, 2, &out)
                } else if v >= -2_147_483_648 {
                    out.append(0xD2)
                    appendBE(u, 4, &out)
                } else {
                    out.append(0xD3)
                    appendBE(u, 8, &out)
                }
            }
        } else if Double(Float(d)) == d {  // NaN never equals itself: it goes out as a double
            out.append(0xCA)
            appendBE(UInt64(Float(d).bitPattern), 4, &out)
        } else {
            out.append(0xCB)
            appendBE(d.bitPattern, 8, &out)
        }
    }

    /// An array when the keys are exactly 1..n (an empty table too), a map otherwise.
    private func msgpackTable(_ idx: Int32, into out: inout Bytes, level: Int) -> Int32? {
        // lua-cmsgpack reads keys as 32-bit unsigned integers.
        let (count, maxKey, isArray) = tableShape(idx, keysBelow: 4_294_967_296)
        if isArray && maxKey == count {
            if count < 16 {
                out.append(0x90 | UInt8(count))
            } else if count <= 0xFFFF {
                out.append(0xDC)
                LuaInterpreter.appendBE(UInt64(count), 2, &out)
            } else {
                out.append(0xDD)
                LuaInterpreter.appendBE(UInt64(count), 4, &out)
            }
            for i in 0..<count {
                lua_rawgeti(L, idx, Int32(i + 1))
                let stop = msgpackEncode(lua_gettop(L), into: &out, level: level)
                lk_lua_pop(L, 1)
                if let stop { return stop }
            }
            return nil
        }
        if count < 16 {
            out.append(0x80 | UInt8(count))
        } else if count <= 0xFFFF {
            out.append(0xDE)
            LuaInterpreter.appendBE(UInt64(count), 2, &out)
        } else {
            out.append(0xDF)
            LuaInterpreter.appendBE(UInt64(count), 4, &out)
        }
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            let top = lua_gettop(L)
            if let stop = msgpackEncode(top - 1, into: &out, level: level)
                ?? msgpackEncode(top, into: &out, level: level)
            {
                lk_lua_pop(L, 2)
                return stop
            }
            lk_lua_pop(L, 1)
        }
        return nil
    }

    static func appendBE(_ v: UInt64, _ n: Int, _ out: inout Bytes) {
        for k in stride(from: n - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    static let msgpackUnpack: SwiftLuaFunction = { L in msgpackUnpackGeneric(L, limit: 0, offset: 0) }

    /// Offsets and limits are lua_Integer in lua-cmsgpack (so NaN and ±1e300 read as INT64_MIN,
    /// 2^40 as itself) and printed through (int) casts in its messages.
    static let msgpackUnpackOne: SwiftLuaFunction = { L in
        guard let offset = optInteger(L, 2, default: 0) else { return LK_RAISE }
        return msgpackUnpackGeneric(L, limit: 1, offset: offset)
    }

    static let msgpackUnpackLimit: SwiftLuaFunction = { L in
        guard lua_type(L, 2) > LUA_TNIL else { return argError(L, 2, "number expected, got \(typeName(L, 2))") }
        guard let limit = optInteger(L, 2, default: 0), let offset = optInteger(L, 3, default: 0) else {
            return LK_RAISE
        }
        return msgpackUnpackGeneric(L, limit: limit, offset: offset)
    }

    /// luaL_optinteger: the number as `(lua_Integer)` (see `optNumber`).
    static func optInteger(_ L: OpaquePointer?, _ i: Int32, default d: Int64) -> Int64? {
        optNumber(L, i, default: d, LuaNumber.cLongLong)
    }

    /// lua-cmsgpack's mp_unpack_full: decodes up to `limit` objects starting at byte `offset`
    /// (limit and offset both 0: everything, and no offset is returned); otherwise the first
    /// result is the offset after them (-1 at the end of the input). The loop is bounded by
    /// the input (every object takes at least one byte), whatever the limit says.
    static func msgpackUnpackGeneric(_ L: OpaquePointer?, limit: Int64, offset: Int64) -> Int32 {
        guard lua_isstring(L, 1) != 0 else { return argError(L, 1, "string expected, got \(typeName(L, 1))") }
        let me = LuaInterpreter.from(L)
        let data = me.borrowString(1)
        let len = Int64(data.count)
        guard offset >= 0, limit >= 0 else {
            let o = Int32(truncatingIfNeeded: offset)
            let n = Int32(truncatingIfNeeded: len)
            return cjsonRaise(L, "Invalid request to unpack with offset of \(o) and limit of \(n).")
        }
        guard offset <= len else {
            let o = Int32(truncatingIfNeeded: offset)
            let n = Int32(truncatingIfNeeded: len)
            return cjsonRaise(L, "Start offset \(o) greater than input length \(n).")
        }
        let decodeAll = limit == 0 && offset == 0
        lua_settop(L, 1)
        var reader = MsgpackReader(me: me, data: data, pos: Int(offset))
        var n: Int64 = 0
        while reader.pos < data.count && (decodeAll || n < limit) {
            if let stop = reader.decode() { return stop }
            n += 1
        }
        guard !decodeAll else { return Int32(n) }
        guard lua_checkstack(L, 1) != 0 else { return cjsonRaise(L, "stack overflow (in function mp_unpack_full)") }
        lua_pushnumber(L, reader.pos >= data.count ? -1 : Double(reader.pos))
        lua_insert(L, 2)
        return Int32(n + 1)
    }
}

/// Decodes objects onto the Lua stack; errors are pushed (with the caller's position, as
/// luaL_error does) and returned as the trampoline's code.
private struct MsgpackReader {
    let me: LuaInterpreter
    let data: UnsafeBufferPointer<UInt8>
    var pos: Int
    var L: OpaquePointer? { me.L }

    mutating func take(_ n: Int) -> UnsafeBufferPointer<UInt8>.SubSequence? {
        guard n >= 0, data.count - pos >= n else { return nil }
        defer { pos += n }
        return data[pos..<pos + n]
    }

    mutating func uint(_ n: Int) -> UInt64? {
        guard let b = take(n) else { return nil }
        return b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    func fail(_ text: String) -> Int32 { LuaInterpreter.cjsonRaise(L, text) }
    var missing: Int32 { fail("Missing bytes in input.") }
    var badFormat: Int32 { fail("Bad data format in input.") }

    /// Decodes one object onto the Lua stack (one slot, checked as lua-cmsgpack checks it).
    mutating func decode() -> Int32? {
        if let stop = me.libraryStep() { return stop }
        guard lua_checkstack(L, 1) != 0 else {
            return fail("stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)")
        }
        guard let t = take(1)?.first else { return missing }
        switch t {
        case 0x00...0x7F: lua_pushnumber(L, Double(t))
        case 0xE0...0xFF: lua_pushnumber(L, Double(Int8(bitPattern: t)))
        case 0xC0: lua_pushnil(L)
        case 0xC2: lua_pushboolean(L, 0)
        case 0xC3: lua_pushboolean(L, 1)
        case 0xCC, 0xCD, 0xCE:
            guard let v = uint(1 << Int(t - 0xCC)) else { return missing }
            lua_pushnumber(L, Double(v))
        case 0xCF:  // lua-cmsgpack pushes uint64 through lua_Integer: past 2^63 it turns negative
            guard let v = uint(8) else { return missing }
            lua_pushnumber(L, Double(Int64(bitPattern: v)))
        case 0xD0, 0xD1, 0xD2, 0xD3:
            let size = 1 << Int(t - 0xD0)
            guard let v = uint(size) else { return missing }
            let shift = UInt64(64 - 8 * size)
            lua_pushnumber(L, Double(Int64(bitPattern: v << shift) >> Int64(shift)))
        case 0xCA:
            guard let v = uint(4) else { return missing }
            lua_pushnumber(L, Double(Float(bitPattern: UInt32(truncatingIfNeeded: v))))
        case 0xCB:
            guard let v = uint(8) else { return missing }
            lua_pushnumber(L, Double(bitPattern: v))
        case 0xA0...0xBF: return string(Int(t & 0x1F))
        // lua-cmsgpack 0.4 has no bin types (0xC4-0xC6): Bad data format, as in Redis.
        case 0xD9, 0xDA, 0xDB:
            guard let n = uint(1 << Int(t - 0xD9)) else { return missing }
            return string(Int(n))
        case 0x90...0x9F: return array(Int(t & 0x0F))
        case 0xDC, 0xDD:
            guard let n = uint(2 << Int(t - 0xDC)) else { return missing }
            return array(Int(n))
        case 0x80...0x8F: return map(Int(t & 0x0F))
        case 0xDE, 0xDF:
            guard let n = uint(2 << Int(t - 0xDE)) else { return missing }
            return map(Int(n))
        default: return badFormat
        }
        return nil
    }

    mutating func string(_ n: Int) -> Int32? {
        guard let b = take(n) else { return missing }
        if me.overBudget(pending: n) { return LK_RAISE_MEMORY }
        UnsafeBufferPointer(rebasing: b).baseAddress.map {
            $0.withMemoryRebound(to: CChar.self, capacity: n) { lua_pushlstring(L, $0, n) }
        } ?? lua_pushlstring(L, "", 0)
        return nil
    }

    /// As lua-cmsgpack: the table, then each index pushed before its element (so nesting
    /// runs out of Lua stack where Redis's does). The count is bounded by the input bytes.
    mutating func array(_ n: Int) -> Int32? {
        lua_createtable(L, 0, 0)
        guard lua_checkstack(L, 1) != 0 else { return fail("stack overflow (in function mp_decode_to_lua_array)") }
        var i = 0
        while i < n {
            i += 1
            lua_pushnumber(L, Double(i))
            if let stop = decode() { return stop }
            lua_rawset(L, -3)
        }
        return nil
    }

    /// lua_settable in lua-cmsgpack: a nil or NaN key raises Lua's own error (no position).
    mutating func map(_ n: Int) -> Int32? {
        lua_createtable(L, 0, 0)
        for _ in 0..<n {
            if let stop = decode() ?? decode() { return stop }
            if lua_type(L, -2) == LUA_TNIL {
                LuaInterpreter.pushString(L, "table index is nil")
                return LK_RAISE
            }
            if lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2).isNaN {
                LuaInterpreter.pushString(L, "table index is NaN")
                return LK_RAISE
            }
            lua_rawset(L, -3)
        }
        return nil
    }
}
