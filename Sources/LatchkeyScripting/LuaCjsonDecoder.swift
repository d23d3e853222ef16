// cjson.decode's parser (lua-cjson 2.1's tokens, error texts and positions), pushing values onto
// the Lua stack as it reads them. The text is borrowed from the Lua stack, never copied; every
// value is a library step (busy path, memory limit). cjson.encode is LuaCjsonLib.swift.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

/// lua-cjson's decoder: tokens, then values pushed onto the Lua stack.
struct JSONDecoder {
    enum Token: Equatable {
        case objBegin, objEnd, arrBegin, arrEnd, string
        case number(Double)
        case boolean(Bool)
        case null
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

    /// Goes one level deeper (refused past cjson's depth limit) and pushes the new table.
    mutating func enter() -> String? {
        depth += 1
        if depth > LuaInterpreter.cjsonMaxDepth || lua_checkstack(L, 4) == 0 {
            return "Found too many nested data structures (\(depth)) at character \(tokenStart + 1)"
        }
        lua_createtable(L, 0, 0)
        return nil
    }

    /// Whether `token` closes the table or array being read (and leaves it if so).
    mutating func leaves(_ token: Token, _ end: Token) -> Bool {
        guard token == end else { return false }
        depth -= 1
        return true
    }

    mutating func object() -> String? {
        if let problem = enter() { return problem }
        var token = next()
        if leaves(token, .objEnd) { return nil }
        while true {
            guard token == .string else { return expected("object key string", token) }
            pushString()
            let colon = next()
            guard colon == .colon else { return expected("colon", colon) }
            if let problem = value(next()) { return problem }
            lua_rawset(L, -3)
            token = next()
            if leaves(token, .objEnd) { return nil }
            guard token == .comma else { return expected("comma or object end", token) }
            token = next()
        }
    }

    mutating func array() -> String? {
        if let problem = enter() { return problem }
        var token = next()
        if leaves(token, .arrEnd) { return nil }
        var i: Int32 = 1
        while true {
            if let problem = value(token) { return problem }
            lua_rawseti(L, -2, i)
            i += 1
            token = next()
            if leaves(token, .arrEnd) { return nil }
            guard token == .comma else { return expected("comma or array end", token) }
            token = next()
        }
    }

    func pushString() {
        stringValue.withUnsafeBufferPointer { p in
            p.baseAddress.map {
                $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
            } ?? lua_pushlstring(L, "", 0)
        }
    }

    func byte(_ i: Int) -> UInt8 { i < text.count ? text[i] : 0 }

    mutating func next() -> Token {
        while pos < text.count, [32, 9, 10, 13].contains(text[pos]) { pos += 1 }
        tokenStart = pos
        guard pos < text.count else { return .end }
        let c = text[pos]
        switch c {
        case 123:
            pos += 1
            return .objBegin
        case 125:
            pos += 1
            return .objEnd
        case 91:
            pos += 1
            return .arrBegin
        case 93:
            pos += 1
            return .arrEnd
        case 58:
            pos += 1
            return .colon
        case 44:
            pos += 1
            return .comma
        case 34: return string()
        default: break
        }
        if matches("true") {
            pos += 4
            return .boolean(true)
        }
        if matches("false") {
            pos += 5
            return .boolean(false)
        }
        if matches("null") {
            pos += 4
            return .null
        }
        // Numbers go through strtod, which (as lua-cjson's default allows) also reads hex, inf
        // and nan.
        if c == 45 || (48...57).contains(c) || [105, 73, 110, 78].contains(c) { return number() }
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
            guard pos < text.count else {
                tokenStart = text.count
                return .error("unexpected end of string")
            }
            let c = text[pos]
            if c == 34 {
                pos += 1
                tokenStart = start
                return .string
            }
            if c != 92 {
                stringValue.append(c)
                pos += 1
                continue
            }
            tokenStart = pos
            guard pos + 1 < text.count else {
                tokenStart = text.count
                return .error("unexpected end of string")
            }
            let e = text[pos + 1]
            pos += 2
            if let b = JSONEscapes.simple(e) {
                stringValue.append(b)
                continue
            }
            guard e == 117 else { return .error("invalid escape code") }
            guard var cp = hex4(pos) else { return .error("invalid unicode escape code") }
            pos += 4
            if JSONEscapes.isHighSurrogate(cp) {
                guard byte(pos) == 92, byte(pos + 1) == 117, let low = hex4(pos + 2), JSONEscapes.isLowSurrogate(low)
                else { return .error("invalid unicode escape code") }
                pos += 6
                cp = JSONEscapes.combine(high: cp, low: low)
            } else if JSONEscapes.isLowSurrogate(cp) {
                return .error("invalid unicode escape code")
            }
            JSONEscapes.appendUTF8(cp, to: &stringValue)
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
}
