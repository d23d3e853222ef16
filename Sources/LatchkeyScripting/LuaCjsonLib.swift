// The `cjson` library Redis bundles (lua-cjson 2.1 with its default settings): encode and
// decode, cjson.null, and the error texts scripts can see. Written here because Debian's
// lua-cjson is a loadable module and scripts may not `require`. The configuration functions
// (encode_max_depth, encode_sparse_array, ...) and cjson.new are not provided.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

extension LuaInterpreter {
    /// Fills the `cjson` table on top of the stack.
    func registerCjsonLibrary() {
        lk_lua_pushswiftfunction(L, LuaInterpreter.cjsonEncode)
        setField("encode")
        lk_lua_pushswiftfunction(L, LuaInterpreter.cjsonDecode)
        setField("decode")
        lua_pushlightuserdata(L, nil)
        setField("null")
        pushStatic("cjson")
        setField("_NAME")
        pushStatic("2.1.0")
        setField("_VERSION")
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
        guard lua_gettop(L) == 1 else {
            return argError(L, 1, "expected 1 argument")
        }
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
        case LUA_TNUMBER:
            return LuaInterpreter.jsonAppendNumber(lua_tonumber(L, idx), into: &out)
        case LUA_TBOOLEAN:
            out += Bytes(utf8: lua_toboolean(L, idx) != 0 ? "true" : "false")
        case LUA_TNIL:
            out += Bytes(utf8: "null")
        case LUA_TLIGHTUSERDATA where lua_touserdata(L, idx) == nil:
            out += Bytes(utf8: "null")
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
        var maxKey = 0
        var items = 0
        var isArray = true
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            lk_lua_pop(L, 1)
            items += 1
            if isArray, lua_type(L, -1) == LUA_TNUMBER {
                let k = lua_tonumber(L, -1)
                if k >= 1, k == k.rounded(.down), k < 2_147_483_648 {
                    maxKey = max(maxKey, Int(k))
                    continue
                }
            }
            isArray = false
        }
        if isArray && maxKey > 0 {
            if maxKey > 10 && maxKey > items * 2 {
                return "Cannot serialise table: excessively sparse array"
            }
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
        guard lua_gettop(L) == 1 else {
            return argError(L, 1, "expected 1 argument")
        }
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

/// lua-cjson's decoder: tokens, then values pushed onto the Lua stack.
private struct JSONDecoder {
    enum Token: Equatable {
        case objBegin, objEnd, arrBegin, arrEnd, string, number(Double), boolean(Bool), null
        case colon, comma, end
        case error(String)

        /// lua-cjson's names in "Expected X but found Y".
        var name: String {
            switch self {
            case .objBegin: return "T_OBJ_BEGIN"
            case .objEnd: return "T_OBJ_END"
            case .arrBegin: return "T_ARR_BEGIN"
            case .arrEnd: return "T_ARR_END"
            case .string: return "T_STRING"
            case .number: return "T_NUMBER"
            case .boolean: return "T_BOOLEAN"
            case .null: return "T_NULL"
            case .colon: return "T_COLON"
            case .comma: return "T_COMMA"
            case .end: return "T_END"
            case .error(let text): return text
            }
        }
    }

    let L: OpaquePointer?
    let me: LuaInterpreter
    let text: UnsafeBufferPointer<UInt8>
    var pos = 0
    /// Start of the current token (error positions are 1-based from here).
    var tokenStart = 0
    /// The current string token's decoded bytes.
    var stringValue = Bytes()
    var depth = 0

    init(L: OpaquePointer?, me: LuaInterpreter, text: UnsafeBufferPointer<UInt8>) {
        self.L = L
        self.me = me
        self.text = text
    }

    mutating func decodeDocument() -> String? {
        let first = next()
        if let problem = value(first) { return problem }
        let last = next()
        if last != .end { return expected("the end", last) }
        return nil
    }

    func expected(_ what: String, _ found: Token) -> String {
        "Expected \(what) but found \(found.name) at character \(tokenStart + 1)"
    }

    /// Pushes the value that starts with `token`.
    mutating func value(_ token: Token) -> String? {
        if let stop = me.libraryStep(pending: stringValue.count) {
            me.libraryStop = stop
            return ""
        }
        switch token {
        case .string: pushString()
        case .number(let d): lua_pushnumber(L, d)
        case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
        case .null: lua_pushlightuserdata(L, nil)
        case .objBegin: return object()
        case .arrBegin: return array()
        default: return expected("value", token)
        }
        return nil
    }

    mutating func enter() -> String? {
        depth += 1
        if depth > LuaInterpreter.cjsonMaxDepth || lua_checkstack(L, 4) == 0 {
            return "Found too many nested data structures (\(depth)) at character \(tokenStart + 1)"
        }
        return nil
    }

    mutating func object() -> String? {
        if let problem = enter() { return problem }
        lua_createtable(L, 0, 0)
        var token = next()
        if token == .objEnd { depth -= 1; return nil }
        while true {
            guard token == .string else { return expected("object key string", token) }
            pushString()
            let colon = next()
            guard colon == .colon else { return expected("colon", colon) }
            if let problem = value(next()) { return problem }
            lua_rawset(L, -3)
            token = next()
            if token == .objEnd { depth -= 1; return nil }
            guard token == .comma else { return expected("comma or object end", token) }
            token = next()
        }
    }

    mutating func array() -> String? {
        if let problem = enter() { return problem }
        lua_createtable(L, 0, 0)
        var token = next()
        if token == .arrEnd { depth -= 1; return nil }
        var i: Int32 = 1
        while true {
            if let problem = value(token) { return problem }
            lua_rawseti(L, -2, i)
            i += 1
            token = next()
            if token == .arrEnd { depth -= 1; return nil }
            guard token == .comma else { return expected("comma or array end", token) }
            token = next()
        }
    }

    func pushString() {
        stringValue.withUnsafeBufferPointer { p in
            p.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) } }
                ?? lua_pushlstring(L, "", 0)
        }
    }

    func byte(_ i: Int) -> UInt8 { i < text.count ? text[i] : 0 }

    mutating func next() -> Token {
        while pos < text.count, [32, 9, 10, 13].contains(text[pos]) { pos += 1 }
        tokenStart = pos
        guard pos < text.count else { return .end }
        let c = text[pos]
        switch c {
        case 123: pos += 1; return .objBegin
        case 125: pos += 1; return .objEnd
        case 91: pos += 1; return .arrBegin
        case 93: pos += 1; return .arrEnd
        case 58: pos += 1; return .colon
        case 44: pos += 1; return .comma
        case 34: return string()
        default: break
        }
        if matches("true") { pos += 4; return .boolean(true) }
        if matches("false") { pos += 5; return .boolean(false) }
        if matches("null") { pos += 4; return .null }
        // Numbers go through strtod, which (as lua-cjson's default allows) also reads hex, inf
        // and nan.
        if c == 45 || (48...57).contains(c) || [105, 73, 110, 78].contains(c) {
            return number()
        }
        return .error("invalid token")
    }

    func matches(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard pos + n <= text.count else { return false }
        for k in 0..<n where text[pos + k] != word.utf8Start[k] { return false }
        return true
    }

    mutating func number() -> Token {
        // strtod needs a NUL-terminated copy; numbers are short, so copy at most 64 bytes.
        let count = min(64, text.count - pos)
        var buf = [CChar](repeating: 0, count: count + 1)
        for k in 0..<count { buf[k] = CChar(bitPattern: text[pos + k]) }
        return buf.withUnsafeMutableBufferPointer { b -> Token in
            var end: UnsafeMutablePointer<CChar>? = nil
            let d = strtod(b.baseAddress!, &end)
            let used = end.map { $0 - b.baseAddress! } ?? 0
            if used == 0 { return .error("invalid number") }
            pos += used
            return .number(d)
        }
    }

    /// A string token; an error inside it is reported at the failing byte (the end of the
    /// text, or the backslash of a bad escape), as lua-cjson does.
    mutating func string() -> Token {
        stringValue.removeAll(keepingCapacity: true)
        let start = tokenStart
        pos += 1
        while true {
            guard pos < text.count else { tokenStart = text.count; return .error("unexpected end of string") }
            let c = text[pos]
            if c == 34 { pos += 1; tokenStart = start; return .string }
            if c != 92 { stringValue.append(c); pos += 1; continue }
            tokenStart = pos
            guard pos + 1 < text.count else { tokenStart = text.count; return .error("unexpected end of string") }
            let e = text[pos + 1]
            pos += 2
            switch e {
            case 34, 92, 47: stringValue.append(e)
            case 98: stringValue.append(8)
            case 102: stringValue.append(12)
            case 110: stringValue.append(10)
            case 114: stringValue.append(13)
            case 116: stringValue.append(9)
            case 117:
                guard var cp = hex4(pos) else { return .error("invalid unicode escape code") }
                pos += 4
                if (0xD800...0xDBFF).contains(cp) {
                    guard byte(pos) == 92, byte(pos + 1) == 117, let low = hex4(pos + 2),
                        (0xDC00...0xDFFF).contains(low)
                    else { return .error("invalid unicode escape code") }
                    pos += 6
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(cp) {
                    return .error("invalid unicode escape code")
                }
                appendUTF8(cp)
            default:
                return .error("invalid escape code")
            }
        }
    }

    func hex4(_ at: Int) -> UInt32? {
        guard at + 4 <= text.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = text[at + k]
            let d: UInt8
            switch c {
            case 48...57: d = c - 48
            case 97...102: d = c - 87
            case 65...70: d = c - 55
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    mutating func appendUTF8(_ cp: UInt32) {
        switch cp {
        case 0..<0x80:
            stringValue.append(UInt8(cp))
        case 0x80..<0x800:
            stringValue += [UInt8(0xC0 | cp >> 6), UInt8(0x80 | cp & 0x3F)]
        case 0x800..<0x10000:
            stringValue += [UInt8(0xE0 | cp >> 12), UInt8(0x80 | (cp >> 6) & 0x3F), UInt8(0x80 | cp & 0x3F)]
        default:
            stringValue += [UInt8(0xF0 | cp >> 18), UInt8(0x80 | (cp >> 12) & 0x3F),
                            UInt8(0x80 | (cp >> 6) & 0x3F), UInt8(0x80 | cp & 0x3F)]
        }
    }
}
