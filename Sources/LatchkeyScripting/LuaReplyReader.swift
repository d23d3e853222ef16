// Command reply bytes → Lua values, as redis.call returns them (Redis 7 does the same: it parses
// the reply buffer of the fake client). The host encodes the reply in the script's protocol, so
// RESP2 scripts see RESP2 shapes (nil → false, maps as flat arrays) and RESP3 scripts see
// {map=}, {set=}, {double=}, {big_number=}, {verbatim_string=}, booleans and nil. Integers and
// statuses cost no allocation beyond the Lua value itself.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

extension LuaInterpreter {
    /// Pushes the reply starting at `pos` (advancing it). Returns false, pushing nothing, when
    /// the bytes are truncated or malformed (a host bug).
    func pushReply(_ p: UnsafePointer<UInt8>, _ end: Int, _ pos: inout Int, depth: Int = 0) -> Bool {
        guard pos < end, depth < 200, lua_checkstack(L, 4) != 0 else { return false }
        let type = p[pos]
        let lineStart = pos + 1
        var eol = lineStart
        while eol + 1 < end && !(p[eol] == 13 && p[eol + 1] == 10) { eol += 1 }
        guard eol + 1 < end else { return false }
        let lineLen = eol - lineStart
        pos = eol + 2
        switch type {
        case 43:  // +status → {ok=...}
            lua_createtable(L, 0, 1)
            pushRaw(p + lineStart, lineLen)
            setField("ok")
        case 45:  // -error → {err=..., ignore_error_stats_update=true}
            // Redis 7's marker: the command's error was counted in INFO errorstats when it was
            // produced, so the script passing it on as its own reply must not count it again.
            lua_createtable(L, 0, 2)
            pushRaw(p + lineStart, lineLen)
            setField("err")
            lua_pushboolean(L, 1)
            setField(LuaInterpreter.errorCountedField)
        case 58:  // :integer
            guard let v = ASCII.parseInt64(p + lineStart, lineLen) else { return false }
            lua_pushnumber(L, Double(v))
        case 95:  // _ null (RESP3)
            lua_pushnil(L)
        case 35:  // #t / #f
            lua_pushboolean(L, lineLen == 1 && p[lineStart] == 116 ? 1 : 0)
        case 44:  // ,double → {double=n}
            lua_createtable(L, 0, 1)
            lua_pushnumber(L, LuaInterpreter.parseDouble(p + lineStart, lineLen))
            setField("double")
        case 40:  // (big number → {big_number="..."}
            lua_createtable(L, 0, 1)
            pushRaw(p + lineStart, lineLen)
            setField("big_number")
        case 36, 61:  // $bulk, =verbatim
            guard let n = ASCII.parseInt64(p + lineStart, lineLen) else { return false }
            if n < 0 {
                lua_pushboolean(L, 0)  // RESP2 nil bulk → false
                return true
            }
            let len = Int(n)
            guard pos + len + 2 <= end else { return false }
            if type == 36 {
                pushRaw(p + pos, len)
            } else {
                guard len >= 4 else { return false }
                lua_createtable(L, 0, 1)
                lua_createtable(L, 0, 2)
                pushRaw(p + pos, 3)
                setField("format")
                pushRaw(p + pos + 4, len - 4)
                setField("string")
                setField("verbatim_string")
            }
            pos += len + 2
        case 42, 126, 37, 62:  // *array, ~set, %map, >push
            guard let n = ASCII.parseInt64(p + lineStart, lineLen) else { return false }
            if n < 0 {
                lua_pushboolean(L, 0)  // RESP2 nil array → false
                return true
            }
            return pushAggregate(type, Int(n), p, end, &pos, depth)
        default: return false
        }
        return true
    }

    private func pushAggregate(
        _ type: UInt8, _ n: Int, _ p: UnsafePointer<UInt8>, _ end: Int, _ pos: inout Int, _ depth: Int
    ) -> Bool {
        switch type {
        case 37, 126:  // {map={k=v}} / {set={k=true}}
            lua_createtable(L, 0, 1)
            lua_createtable(L, 0, Int32(clamping: n))
            for _ in 0..<n {
                guard pushReply(p, end, &pos, depth: depth + 1) else { return dropAndFail(2) }
                if type == 37 {
                    guard pushReply(p, end, &pos, depth: depth + 1) else { return dropAndFail(3) }
                } else {
                    lua_pushboolean(L, 1)
                }
                if lua_type(L, -2) == LUA_TNIL { lk_lua_pop(L, 2) } else { lua_rawset(L, -3) }
            }
            setField(type == 37 ? "map" : "set")
        default:
            lua_createtable(L, Int32(clamping: n), 0)
            var i: Int32 = 1
            for _ in 0..<n {
                guard pushReply(p, end, &pos, depth: depth + 1) else { return dropAndFail(1) }
                lua_rawseti(L, -2, i)
                i += 1
            }
        }
        return true
    }

    private func dropAndFail(_ n: Int32) -> Bool {
        lk_lua_pop(L, n)
        return false
    }

    @inline(__always) func pushRaw(_ p: UnsafePointer<UInt8>, _ n: Int) {
        UnsafeRawPointer(p).withMemoryRebound(to: CChar.self, capacity: max(n, 1)) { lua_pushlstring(L, $0, n) }
    }

    /// RESP3 double text ("3.5", "inf", "-inf", "nan") as a number.
    static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for i in 0..<n { buf[i] = CChar(bitPattern: p[i]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }
}
