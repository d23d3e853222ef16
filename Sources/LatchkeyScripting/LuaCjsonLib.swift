// The `cjson` library Redis bundles (lua-cjson 2.1 with its default settings): encode and
// decode, cjson.null, and the error texts scripts can see. Written here because Debian's
// lua-cjson is a loadable module and scripts may not `require`. The configuration functions
// (encode_max_depth, encode_sparse_array, ...) and cjson.new are not provided. The decoder's
// parser is LuaCjsonDecoder.swift.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

extension LuaInterpreter {
    /// Fills the `cjson` table on top of the stack.
    func registerCjsonLibrary() {
        setFields(
            [("encode", LuaInterpreter.cjsonEncode), ("decode", LuaInterpreter.cjsonDecode)],
            strings: [("_NAME", "cjson"), ("_VERSION", "2.1.0")])
        lua_pushlightuserdata(L, nil)
        setField("null")
    }

    /// lua-cjson's nesting limit for both directions.
    static let cjsonMaxDepth = 1000

    /// Pushes `message` prefixed with the calling script's position, as luaL_error does
    /// (nothing is prefixed when a C function such as pcall called us directly).
    static func cjsonRaise(_ L: OpaquePointer?, _ message: String) -> Int32 {
        luaL_where(L, 1)
        pushString(L, message)
        lua_concat(L, 2)
        return -1
    }

    /// luaL_argerror's text: the function is named as the calling code named it ('?' when a
    /// C function such as pcall called it).
    static func argErrorText(_ L: OpaquePointer?, _ n: Int32, _ message: String) -> String {
        var ar = lua_Debug()
        guard lua_getstack(L, 0, &ar) != 0 else { return "bad argument #\(n) (\(message))" }
        _ = lua_getinfo(L, "n", &ar)
        let name = ar.name.map { String(cString: $0) } ?? "?"
        return "bad argument #\(n) to '\(name)' (\(message))"
    }

    static func argError(_ L: OpaquePointer?, _ n: Int32, _ message: String) -> Int32 {
        cjsonRaise(L, argErrorText(L, n, message))
    }

    static let cjsonEncode: SwiftLuaFunction = { L in
        guard lua_gettop(L) == 1 else { return argError(L, 1, "expected 1 argument") }
        let me = LuaInterpreter.from(L)
        var out = Bytes()
        me.libraryStop = nil
        if let problem = me.jsonEncode(1, into: &out, depth: 0) {
            if let stop = me.libraryStop { return stop }
            return cjsonRaise(L, problem)
        }
        // The text is built outside Lua; it joins Lua's memory only if the limit has room.
        if me.overBudget(pending: out.count) { return LK_RAISE_MEMORY }
        out.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
        }
        return 1
    }

    /// Appends the JSON text of the value at `idx` (absolute); returns an error text instead
    /// (empty, with `libraryStop` set, when the library step says stop).
    func jsonEncode(_ idx: Int32, into out: inout Bytes, depth: Int) -> String? {
        if let stop = libraryStep(pending: out.count) {
            libraryStop = stop
            return ""
        }
        switch lua_type(L, idx) {
        case LUA_TSTRING:
            let text = borrowString(idx)
            // Checked before the (up to 6x) escaped copy is built, not after.
            if overBudget(pending: out.count + text.count) {
                libraryStop = LK_RAISE_MEMORY
                return ""
            }
            LuaInterpreter.jsonAppendString(text, into: &out)
        case LUA_TNUMBER: return LuaInterpreter.jsonAppendNumber(lua_tonumber(L, idx), into: &out)
        case LUA_TBOOLEAN: out += Bytes(utf8: lua_toboolean(L, idx) != 0 ? "true" : "false")
        case LUA_TNIL: out += Bytes(utf8: "null")
        case LUA_TLIGHTUSERDATA where lua_touserdata(L, idx) == nil: out += Bytes(utf8: "null")
        case LUA_TTABLE:
            if depth + 1 > LuaInterpreter.cjsonMaxDepth || lua_checkstack(L, 4) == 0 {
                return "Cannot serialise, excessive nesting (\(depth + 1))"
            }
            return jsonEncodeTable(idx, into: &out, depth: depth + 1)
        default:
            let name = String(cString: lua_typename(L, lua_type(L, idx)))
            return "Cannot serialise \(name): type not supported"
        }
        return nil
    }

    /// A table is an array when every key is a positive integer and it is not too sparse
    /// (largest key ≤ 10 or ≤ twice the count); an empty table is an object, as in lua-cjson.
    private func jsonEncodeTable(_ idx: Int32, into out: inout Bytes, depth: Int) -> String? {
        // lua-cjson reads keys as C ints: 2^31 and above make an object.
        let (items, maxKey, isArray) = tableShape(idx, keysBelow: 2_147_483_648)
        if isArray && maxKey > 0 {
            if maxKey > 10 && maxKey > items * 2 { return "Cannot serialise table: excessively sparse array" }
            out.append(91)  // [
            for i in 1...maxKey {
                if i > 1 { out.append(44) }
                lua_rawgeti(L, idx, Int32(i))
                let problem = jsonEncode(lua_gettop(L), into: &out, depth: depth)
                lk_lua_pop(L, 1)
                if let problem { return problem }
            }
            out.append(93)
            return nil
        }
        out.append(123)  // {
        var first = true
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            if !first { out.append(44) }
            first = false
            switch lua_type(L, -2) {
            case LUA_TNUMBER:
                out.append(34)
                _ = LuaInterpreter.jsonAppendNumber(lua_tonumber(L, -2), into: &out)
                out += [34, 58]
            case LUA_TSTRING:
                withString(-2) { LuaInterpreter.jsonAppendString($0, into: &out) }
                out.append(58)
            default:
                let name = String(cString: lua_typename(L, lua_type(L, -2)))
                lk_lua_pop(L, 2)
                return "Cannot serialise \(name): table key must be a number or string"
            }
            let problem = jsonEncode(lua_gettop(L), into: &out, depth: depth)
            lk_lua_pop(L, 1)
            if let problem {
                lk_lua_pop(L, 1)
                return problem
            }
        }
        out.append(125)
        return nil
    }

    /// "%.14g", lua-cjson's default precision; NaN and infinities are refused.
    static func jsonAppendNumber(_ d: Double, into out: inout Bytes) -> String? {
        guard d.isFinite else { return "Cannot serialise number: must not be NaN or Inf" }
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buf in
            let n = withVaList([d]) { vsnprintf(buf.baseAddress!, 40, "%.14g", $0) }
            for i in 0..<Int(n) { out.append(UInt8(bitPattern: buf[i])) }
        }
        return nil
    }

    /// A JSON string: quotes, backslashes, '/' and control characters escaped as lua-cjson does;
    /// bytes ≥ 0x80 are copied unchanged.
    static func jsonAppendString(_ s: UnsafeBufferPointer<UInt8>, into out: inout Bytes) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(34)
        for c in s {
            switch c {
            case 34: out += [92, 34]
            case 92: out += [92, 92]
            case 47: out += [92, 47]
            case 8: out += [92, 98]
            case 12: out += [92, 102]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            case 9: out += [92, 116]
            case 0..<32, 127: out += [92, 117, 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]]
            default: out.append(c)
            }
        }
        out.append(34)
    }

    static let cjsonDecode: SwiftLuaFunction = { L in
        guard lua_gettop(L) == 1 else { return argError(L, 1, "expected 1 argument") }
        guard lua_isstring(L, 1) != 0 else {
            let got = String(cString: lua_typename(L, lua_type(L, 1)))
            return argError(L, 1, "string expected, got \(got)")
        }
        let me = LuaInterpreter.from(L)
        me.libraryStop = nil
        var decoder = JSONDecoder(L: L, me: me, text: me.borrowString(1))
        if let problem = decoder.decodeDocument() {
            if let stop = me.libraryStop { return stop }
            return cjsonRaise(L, problem)
        }
        return 1
    }
}
