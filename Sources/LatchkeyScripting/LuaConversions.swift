// A script's return value → a reply, with Redis 7's rules (numbers truncated, arrays stop at the
// first nil, {ok=}/{err=}/{double=}/{map=}/{set=}/{big_number=}/{verbatim_string=}, booleans
// per redis.setresp), plus the small push/field helpers the other files share. Everything here
// runs outside any Lua pcall, so it only uses raw table access, which cannot raise. The other
// direction (reply bytes → Lua) is LuaReplyReader.swift.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

extension LuaInterpreter {
    // MARK: - Lua → reply

    /// Nesting depth of a script's reply beyond which the nested value becomes an error
    /// (Redis stops at Lua's C stack limit, a few thousand levels; Swift frames are larger, so
    /// Latchkey stops earlier, long before any real reply).
    static let maxReplyDepth = 128

    /// Writes the value on top of the stack (left there) as a reply.
    func writeTop<S: ScriptReplySink>(into sink: inout S, depth: Int = 0) {
        switch lua_type(L, -1) {
        case LUA_TSTRING:
            var len = 0
            let p = lua_tolstring(L, -1, &len)!
            p.withMemoryRebound(to: UInt8.self, capacity: len) {
                sink.writeBulk(UnsafeBufferPointer(start: $0, count: len))
            }
        case LUA_TNUMBER: sink.writeInteger(LuaInterpreter.truncate(lua_tonumber(L, -1)))
        case LUA_TBOOLEAN:
            let b = lua_toboolean(L, -1) != 0
            if scriptResp == 3 { sink.writeBool(b) } else if b { sink.writeInteger(1) } else { sink.writeNull() }
        case LUA_TTABLE: writeTable(into: &sink, depth: depth)
        default: sink.writeNull()
        }
    }

    /// C's (long long) cast on x86-64, which Redis relies on: out of range and NaN give Int64.min.
    static func truncate(_ d: Double) -> Int64 { LuaNumber.cLongLong(d) }

    /// Pushes t[name] (raw) for the table on top; returns its Lua type.
    @inline(__always) func rawField(_ name: StaticString) -> Int32 {
        pushStatic(name)
        lua_rawget(L, -2)
        return lua_type(L, -1)
    }

    private func writeTable<S: ScriptReplySink>(into sink: inout S, depth: Int) {
        guard depth < LuaInterpreter.maxReplyDepth, lua_checkstack(L, 4) != 0 else {
            LuaInterpreter.writeError("ERR reached lua stack limit", into: &sink)
            return
        }
        if rawField("err") == LUA_TSTRING {
            lk_lua_pop(L, 1)
            noteIfCounted(into: &sink)
            _ = rawField("err")
            writeSanitized(-1, error: true, into: &sink)
            lk_lua_pop(L, 1)
            return
        }
        lk_lua_pop(L, 1)
        if rawField("ok") == LUA_TSTRING {
            writeSanitized(-1, error: false, into: &sink)
            lk_lua_pop(L, 1)
            return
        }
        lk_lua_pop(L, 1)
        if rawField("double") == LUA_TNUMBER {
            sink.writeDouble(lua_tonumber(L, -1))
            lk_lua_pop(L, 1)
            return
        }
        lk_lua_pop(L, 1)
        if rawField("big_number") == LUA_TSTRING {
            // A RESP3 line: CR/LF become spaces, as Redis does, so a script cannot forge the
            // replies that follow it (issue 16 item 10).
            withLineSafe(-1) { sink.writeBigNumber($0) }
            lk_lua_pop(L, 1)
            return
        }
        lk_lua_pop(L, 1)
        if rawField("map") == LUA_TTABLE {
            writePairs(map: true, into: &sink, depth: depth)
            lk_lua_pop(L, 1)
            return
        }
        lk_lua_pop(L, 1)
        if rawField("set") == LUA_TTABLE {
            writePairs(map: false, into: &sink, depth: depth)
            lk_lua_pop(L, 1)
            return
        }
        lk_lua_pop(L, 1)
        if rawField("verbatim_string") == LUA_TTABLE {
            let f = rawField("format")  // t, vt, format
            pushStatic("string")
            lua_rawget(L, -3)  // t, vt, format, string
            if f == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING {
                // The text is length-prefixed; the format is not, so it is made line-safe too.
                withLineSafe(-2) { format in withString(-1) { text in sink.writeVerbatim(format: format, text: text) } }
                lk_lua_pop(L, 3)
                return
            }
            lk_lua_pop(L, 2)
        }
        lk_lua_pop(L, 1)
        // A plain array: its length is the run of non-nil values from index 1.
        var n: Int32 = 0
        while true {
            lua_rawgeti(L, -1, n + 1)
            let isNil = lua_type(L, -1) == LUA_TNIL
            lk_lua_pop(L, 1)
            if isNil { break }
            n += 1
        }
        sink.writeArrayHeader(Int(n))
        var i: Int32 = 1
        while i <= n {
            lua_rawgeti(L, -1, i)
            writeTop(into: &sink, depth: depth + 1)
            lk_lua_pop(L, 1)
            i += 1
        }
    }

    /// {map={k=v...}} or {set={k=true...}}: the table on top of the stack.
    private func writePairs<S: ScriptReplySink>(map: Bool, into sink: inout S, depth: Int) {
        var n = 0
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            n += 1
            lk_lua_pop(L, 1)
        }
        if map { sink.writeMapHeader(n) } else { sink.writeSetHeader(n) }
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            lua_pushvalue(L, -2)  // convert a copy of the key: never disturb lua_next's key
            writeTop(into: &sink, depth: depth + 1)
            lk_lua_pop(L, 1)
            if map { writeTop(into: &sink, depth: depth + 1) }
            lk_lua_pop(L, 1)
        }
    }

    /// Status or error text, with CR/LF replaced by spaces as Redis's reply functions do.
    private func writeSanitized<S: ScriptReplySink>(_ idx: Int32, error: Bool, into sink: inout S) {
        withLineSafe(idx) { s in if error { sink.writeError(s) } else { sink.writeStatus(s) } }
    }

    /// Calls `body` with the string at `idx`, CR and LF replaced by spaces (copied only when
    /// it has any): every script string that becomes a RESP line goes through here.
    func withLineSafe<R>(_ idx: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withString(idx) { s in
            if !s.contains(13) && !s.contains(10) { return body(s) }
            let clean = s.map { $0 == 13 || $0 == 10 ? 32 : $0 }
            return clean.withUnsafeBufferPointer { body($0) }
        }
    }

    /// Calls `body` with the bytes of the string at `idx` (which must be a string).
    @inline(__always) func withString<R>(_ idx: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var len = 0
        let p = lua_tolstring(L, idx, &len)!
        return p.withMemoryRebound(to: UInt8.self, capacity: max(len, 1)) {
            body(UnsafeBufferPointer(start: $0, count: len))
        }
    }

    /// The bytes of the string at `idx` (which must be a string or a number, converted in
    /// place), valid while that value stays on the stack: Lua 5.1 never moves a string. Library
    /// functions read their arguments this way instead of copying them to the Swift heap.
    func borrowString(_ idx: Int32) -> UnsafeBufferPointer<UInt8> {
        var len = 0
        let p = lua_tolstring(L, idx, &len)!
        return UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: len)
    }

    /// Writes an error reply from Swift text (sanitised).
    static func writeError<S: ScriptReplySink>(_ text: String, into sink: inout S) {
        var bytes = Bytes(text.utf8)
        for i in bytes.indices where bytes[i] == 13 || bytes[i] == 10 { bytes[i] = 32 }
        bytes.withUnsafeBufferPointer { sink.writeError($0) }
    }

    /// After a failed pcall: the error value is on top. Builds Redis 7's
    /// "<err> script: <sha>, on <source>:<line>." text.
    func writeRuntimeError<S: ScriptReplySink>(into sink: inout S) {
        var text: Bytes
        if lua_type(L, -1) == LUA_TTABLE {
            noteIfCounted(into: &sink)
            if rawField("err") == LUA_TSTRING {
                text = withString(-1) { Bytes($0) }
            } else {
                text = Bytes(utf8: "ERR unknown error")
            }
            lk_lua_pop(L, 1)
        } else {
            text = Bytes(utf8: "ERR ")
            switch lua_type(L, -1) {
            case LUA_TSTRING, LUA_TNUMBER: text += withString(-1) { Bytes($0) }
            case LUA_TBOOLEAN: text += Bytes(utf8: lua_toboolean(L, -1) != 0 ? "true" : "false")
            case LUA_TNIL: text += Bytes(utf8: "nil")
            default: text += Bytes(utf8: "unknown error")
            }
        }
        text += Bytes(utf8: " script: ")
        text += currentSHA.hex
        if errorLine >= 0 {
            text += Bytes(utf8: ", on ")
            text += errorSource
            text += Bytes(utf8: ":")
            ASCII.appendDecimal(Int64(errorLine), to: &text)
        }
        text += Bytes(utf8: ".")
        for i in text.indices where text[i] == 13 || text[i] == 10 { text[i] = 32 }
        text.withUnsafeBufferPointer { sink.writeError($0) }
    }

    /// The field Redis 7 sets on the error tables of command replies.
    static let errorCountedField: StaticString = "ignore_error_stats_update"

    /// For the error table on top: tells `sink` when its error was already counted in INFO
    /// errorstats (it came from a command the script called), as Redis 7 skips counting it twice.
    private func noteIfCounted<S: ScriptReplySink>(into sink: inout S) {
        if rawField(LuaInterpreter.errorCountedField) == LUA_TBOOLEAN && lua_toboolean(L, -1) != 0 {
            sink.errorAlreadyCounted()
        }
        lk_lua_pop(L, 1)
    }

    /// {err=text}
    func pushErrorTable(_ text: Bytes) {
        lua_createtable(L, 0, 1)
        pushBytes(text)
        setField("err")
    }

    /// {err=text} from Swift text.
    func pushErrorTable(_ text: String) { pushErrorTable(Bytes(text.utf8)) }

    /// t[name] = top, for the table just below the top; pops the value.
    @inline(__always)
    /// Fills the library table on top of the stack: every function under its name, then every
    /// string field (`_NAME`, `_VERSION`). Each library is one table of rows passed here.
    func setFields(_ functions: [(StaticString, SwiftLuaFunction)], strings: [(StaticString, StaticString)] = []) {
        for (name, f) in functions {
            lk_lua_pushswiftfunction(L, f)
            setField(name)
        }
        for (name, value) in strings {
            pushStatic(value)
            setField(name)
        }
    }

    /// One walk of the table at `idx` for the encoders' "is it an array?" question: how many
    /// entries it has, its largest key, and whether every key is a whole number in
    /// 1..<`keysBelow` (each library then applies its own density rule to these).
    func tableShape(_ idx: Int32, keysBelow limit: Double) -> (count: Int, maxKey: Int, isArray: Bool) {
        var count = 0
        var maxKey = 0
        var isArray = true
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            lk_lua_pop(L, 1)
            count += 1
            if isArray, lua_type(L, -1) == LUA_TNUMBER {
                let k = lua_tonumber(L, -1)
                if k >= 1, k == k.rounded(.down), k < limit {
                    maxKey = max(maxKey, Int(k))
                    continue
                }
            }
            isArray = false
        }
        return (count, maxKey, isArray)
    }

    func setField(_ name: StaticString) {
        pushStatic(name)
        lua_insert(L, -2)
        lua_rawset(L, -3)
    }

    @inline(__always) func pushStatic(_ s: StaticString) {
        s.utf8Start.withMemoryRebound(to: CChar.self, capacity: max(s.utf8CodeUnitCount, 1)) {
            lua_pushlstring(L, $0, s.utf8CodeUnitCount)
        }
    }

    @inline(__always) func pushBytes(_ b: Bytes) {
        b.withUnsafeBufferPointer { p in
            p.baseAddress.map {
                $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
            } ?? lua_pushlstring(L, "", 0)
        }
    }

    /// Pushes "%.17g" of `d` (how Redis prints doubles in RESP2 and passes numeric arguments).
    func pushG17(_ d: Double) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buf in
            let n = lk_format_g17(buf.baseAddress!, 40, d)
            lua_pushlstring(L, buf.baseAddress!, Int(n))
        }
    }

    /// Pushes a Swift string.
    static func pushString(_ L: OpaquePointer?, _ s: String) {
        var s = s
        s.withUTF8 { u in
            u.baseAddress!.withMemoryRebound(to: CChar.self, capacity: u.count) { lua_pushlstring(L, $0, u.count) }
        }
    }
}
