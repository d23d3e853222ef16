// The `cmsgpack` library Redis bundles (lua-cmsgpack 0.4): pack(...) concatenates the
// MessagePack encoding of each argument (integers in the smallest form, floats as float32 when
// exact, tables as arrays when their keys are 1..n, nesting past 16 as nil); unpack,
// unpack_one and unpack_limit decode. Written here because scripts may not load C modules.
import CLua51
import LatchkeyCore

extension LuaInterpreter {
    /// Fills the `cmsgpack` table on top of the stack.
    func registerMsgpackLibrary() {
        lk_lua_pushswiftfunction(L, LuaInterpreter.msgpackPack)
        setField("pack")
        lk_lua_pushswiftfunction(L, LuaInterpreter.msgpackUnpack)
        setField("unpack")
        lk_lua_pushswiftfunction(L, LuaInterpreter.msgpackUnpackOne)
        setField("unpack_one")
        lk_lua_pushswiftfunction(L, LuaInterpreter.msgpackUnpackLimit)
        setField("unpack_limit")
        pushStatic("lua-cmsgpack")
        setField("_NAME")
        pushStatic("lua-cmsgpack 0.4.0")
        setField("_VERSION")
    }

    static let msgpackMaxNesting = 16

    static let msgpackPack: SwiftLuaFunction = { L in
        let argc = lua_gettop(L)
        guard argc > 0 else { return argError(L, 0, "MessagePack pack needs input.") }
        let me = LuaInterpreter.from(L)
        var out = Bytes()
        var i: Int32 = 1
        while i <= argc {
            me.msgpackEncode(i, into: &out, level: 0)
            i += 1
        }
        out.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
        }
        return 1
    }

    func msgpackEncode(_ idx: Int32, into out: inout Bytes, level: Int) {
        switch lua_type(L, idx) {
        case LUA_TSTRING:
            withString(idx) { s in
                let n = s.count
                if n < 32 { out.append(0xA0 | UInt8(n)) }
                else if n <= 0xFF { out += [0xD9, UInt8(n)] }
                else if n <= 0xFFFF { out.append(0xDA); LuaInterpreter.appendBE(UInt64(n), 2, &out) }
                else { out.append(0xDB); LuaInterpreter.appendBE(UInt64(n), 4, &out) }
                out += s
            }
        case LUA_TBOOLEAN:
            out.append(lua_toboolean(L, idx) != 0 ? 0xC3 : 0xC2)
        case LUA_TNUMBER:
            LuaInterpreter.msgpackNumber(lua_tonumber(L, idx), into: &out)
        case LUA_TTABLE where level < LuaInterpreter.msgpackMaxNesting && lua_checkstack(L, 4) != 0:
            msgpackTable(idx, into: &out, level: level + 1)
        default:
            out.append(0xC0)
        }
    }

    static func msgpackNumber(_ d: Double, into out: inout Bytes) {
        if d.isFinite, d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0, Double(Int64(d)) == d {
            let v = Int64(d)
            if v >= 0 {
                if v < 128 { out.append(UInt8(v)) }
                else if v <= 0xFF { out += [0xCC, UInt8(v)] }
                else if v <= 0xFFFF { out.append(0xCD); appendBE(UInt64(v), 2, &out) }
                else if v <= 0xFFFF_FFFF { out.append(0xCE); appendBE(UInt64(v), 4, &out) }
                else { out.append(0xCF); appendBE(UInt64(v), 8, &out) }
            } else {
                let u = UInt64(bitPattern: v)
                if v >= -32 { out.append(UInt8(truncatingIfNeeded: v)) }
                else if v >= -128 { out += [0xD0, UInt8(truncatingIfNeeded: v)] }
                else if v >= -32768 { out.append(0xD1); appendBE(u, 2, &out) }
                else if v >= -2_147_483_648 { out.append(0xD2); appendBE(u, 4, &out) }
                else { out.append(0xD3); appendBE(u, 8, &out) }
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
    private func msgpackTable(_ idx: Int32, into out: inout Bytes, level: Int) {
        var count = 0
        var maxKey = 0
        var isArray = true
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            lk_lua_pop(L, 1)
            count += 1
            if isArray, lua_type(L, -1) == LUA_TNUMBER {
                let k = lua_tonumber(L, -1)
                if k > 0, k == k.rounded(.down), k < 4_294_967_296 { maxKey = max(maxKey, Int(k)); continue }
            }
            isArray = false
        }
        if isArray && maxKey == count {
            if count < 16 { out.append(0x90 | UInt8(count)) }
            else if count <= 0xFFFF { out.append(0xDC); LuaInterpreter.appendBE(UInt64(count), 2, &out) }
            else { out.append(0xDD); LuaInterpreter.appendBE(UInt64(count), 4, &out) }
            for i in 0..<count {
                lua_rawgeti(L, idx, Int32(i + 1))
                msgpackEncode(lua_gettop(L), into: &out, level: level)
                lk_lua_pop(L, 1)
            }
            return
        }
        if count < 16 { out.append(0x80 | UInt8(count)) }
        else if count <= 0xFFFF { out.append(0xDE); LuaInterpreter.appendBE(UInt64(count), 2, &out) }
        else { out.append(0xDF); LuaInterpreter.appendBE(UInt64(count), 4, &out) }
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            let top = lua_gettop(L)
            msgpackEncode(top - 1, into: &out, level: level)
            msgpackEncode(top, into: &out, level: level)
            lk_lua_pop(L, 1)
        }
    }

    static func appendBE(_ v: UInt64, _ n: Int, _ out: inout Bytes) {
        for k in stride(from: n - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    static let msgpackUnpack: SwiftLuaFunction = { L in msgpackUnpackGeneric(L, limit: 0, offset: 0, returnOffset: false) }

    static let msgpackUnpackOne: SwiftLuaFunction = { L in
        let offset = lua_type(L, 2) > LUA_TNIL ? Int(lua_tonumber(L, 2)) : 0
        return msgpackUnpackGeneric(L, limit: 1, offset: offset, returnOffset: true)
    }

    static let msgpackUnpackLimit: SwiftLuaFunction = { L in
        let limit = Int(lua_tonumber(L, 2))
        let offset = lua_type(L, 3) > LUA_TNIL ? Int(lua_tonumber(L, 3)) : 0
        return msgpackUnpackGeneric(L, limit: limit, offset: offset, returnOffset: true)
    }

    /// Decodes up to `limit` objects (0: all) starting at byte `offset`; with `returnOffset`
    /// the first result is the offset after them (-1 at the end of the input).
    static func msgpackUnpackGeneric(_ L: OpaquePointer?, limit: Int, offset: Int, returnOffset: Bool) -> Int32 {
        guard lua_isstring(L, 1) != 0 else {
            let got = String(cString: lua_typename(L, lua_type(L, 1)))
            return argError(L, 1, "string expected, got \(got)")
        }
        let data = LuaInterpreter.from(L).withString(1) { Bytes($0) }
        guard offset >= 0 else { return cjsonRaise(L, "Offset can't be negative.") }
        guard offset <= data.count else { return cjsonRaise(L, "Start offset \(offset) greater than input length \(data.count).") }
        if returnOffset { lua_pushnil(L) }  // placeholder for the offset
        var reader = MsgpackReader(L: L, data: data, pos: offset)
        var n: Int32 = 0
        while reader.pos < data.count && (limit == 0 || n < Int32(limit)) {
            guard lua_checkstack(L, 2) != 0 else { return cjsonRaise(L, "too many results to unpack") }
            if let problem = reader.decode(depth: 0) { return cjsonRaise(L, problem) }
            n += 1
        }
        if returnOffset {
            lua_pushnumber(L, reader.pos >= data.count ? -1 : Double(reader.pos))
            lua_replace(L, -Int32(n) - 2)
            return n + 1
        }
        return n
    }
}

private struct MsgpackReader {
    let L: OpaquePointer?
    let data: Bytes
    var pos: Int

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, data.count - pos >= n else { return nil }
        defer { pos += n }
        return data[pos..<pos + n]
    }

    mutating func uint(_ n: Int) -> UInt64? {
        guard let b = take(n) else { return nil }
        return b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Decodes one object onto the Lua stack, or returns lua-cmsgpack's error text.
    mutating func decode(depth: Int) -> String? {
        let missing = "Missing bytes in input."
        guard let t = take(1)?.first else { return missing }
        guard depth < 1000, lua_checkstack(L, 4) != 0 else { return "Bad data format in input." }
        switch t {
        case 0x00...0x7F: lua_pushnumber(L, Double(t))
        case 0xE0...0xFF: lua_pushnumber(L, Double(Int8(bitPattern: t)))
        case 0xC0: lua_pushnil(L)
        case 0xC2: lua_pushboolean(L, 0)
        case 0xC3: lua_pushboolean(L, 1)
        case 0xCC, 0xCD, 0xCE, 0xCF:
            guard let v = uint(1 << Int(t - 0xCC)) else { return missing }
            lua_pushnumber(L, Double(v))
        case 0xD0, 0xD1, 0xD2, 0xD3:
            let size = 1 << Int(t - 0xD0)
            guard let v = uint(size) else { return missing }
            let shift = UInt64(64 - 8 * size)
            lua_pushnumber(L, Double(Int64(bitPattern: v << shift) >> Int64(shift)))
        case 0xCA:
            guard let v = uint(4) else { return missing }
            lua_pushnumber(L, Double(Float(bitPattern: UInt32(v))))
        case 0xCB:
            guard let v = uint(8) else { return missing }
            lua_pushnumber(L, Double(bitPattern: v))
        case 0xA0...0xBF: return string(Int(t & 0x1F))
        case 0xD9, 0xC4: guard let n = uint(1) else { return missing }; return string(Int(n))
        case 0xDA, 0xC5: guard let n = uint(2) else { return missing }; return string(Int(n))
        case 0xDB, 0xC6: guard let n = uint(4) else { return missing }; return string(Int(n))
        case 0x90...0x9F: return array(Int(t & 0x0F), depth)
        case 0xDC: guard let n = uint(2) else { return missing }; return array(Int(n), depth)
        case 0xDD: guard let n = uint(4) else { return missing }; return array(Int(n), depth)
        case 0x80...0x8F: return map(Int(t & 0x0F), depth)
        case 0xDE: guard let n = uint(2) else { return missing }; return map(Int(n), depth)
        case 0xDF: guard let n = uint(4) else { return missing }; return map(Int(n), depth)
        default: return "Bad data format in input."
        }
        return nil
    }

    mutating func string(_ n: Int) -> String? {
        guard let b = take(n) else { return "Missing bytes in input." }
        b.withUnsafeBufferPointer { p in
            p.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) } }
                ?? lua_pushlstring(L, "", 0)
        }
        return nil
    }

    mutating func array(_ n: Int, _ depth: Int) -> String? {
        lua_createtable(L, 0, 0)
        for i in 0..<n {
            if let problem = decode(depth: depth + 1) { return problem }
            lua_rawseti(L, -2, Int32(i + 1))
        }
        return nil
    }

    mutating func map(_ n: Int, _ depth: Int) -> String? {
        lua_createtable(L, 0, 0)
        for _ in 0..<n {
            if let problem = decode(depth: depth + 1) { return problem }
            if let problem = decode(depth: depth + 1) { return problem }
            if lua_type(L, -2) == LUA_TNIL { lk_lua_pop(L, 2); continue }  // a nil key cannot be stored
            lua_rawset(L, -3)
        }
        return nil
    }
}
