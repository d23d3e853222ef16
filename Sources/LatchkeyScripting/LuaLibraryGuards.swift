// What keeps the libraries written in Swift (bit, cjson, cmsgpack, struct, redis.*) inside the
// same bounds as Lua code: a step counter their loops call so that a long library call still
// reaches the busy-script path (-BUSY to others, SCRIPT KILL) and the memory limit, and the
// guards Latchkey puts in front of Debian's unpatched liblua5.1 where Redis patched its copy
// (docs/scripting.md lists each one). How errors are raised is shim.h's trampoline's business.
import CLua51
import LatchkeyCore

extension LuaInterpreter {
    /// Units of library work between two checks (a unit is one value, token or format option).
    static let libraryCheckPeriod = 4096

    /// Library loops call this once per unit of work, with the bytes they hold outside Lua
    /// (`pending`, e.g. an encoder's output so far). Returns nil to go on, or the trampoline
    /// code to return at once (nothing pushed): LK_RAISE_KILLED or LK_RAISE_MEMORY.
    @inline(__always) func libraryStep(pending: Int = 0) -> Int32? {
        libraryWork &+= 1
        if libraryWork < LuaInterpreter.libraryCheckPeriod { return nil }
        libraryWork = 0
        return libraryCheck(pending: pending)
    }

    /// The check itself: memory first, then the count hook's busy/kill logic.
    func libraryCheck(pending: Int) -> Int32? {
        if overBudget(pending: pending) { return LK_RAISE_MEMORY }
        guard isRunning else { return nil }
        return busyCheck(L, pushError: false) ? LK_RAISE_KILLED : nil
    }

    /// Whether Lua's bytes plus `pending` more would pass the limit of the running script.
    /// Library calls run with the allocator's enforcement off (so it can never longjmp over
    /// them); they ask this before building or pushing anything large instead.
    @inline(__always) func overBudget(pending: Int) -> Bool {
        let limit = runtime.pointee.limit
        guard isRunning, limit != 0 else { return false }
        let (total, overflow) = runtime.pointee.used.addingReportingOverflow(pending)
        return overflow || total > limit
    }

    /// Replaces base functions that crash Debian's liblua5.1 (called before the sandbox seals
    /// the globals).
    func installLuaGuards() {
        lk_lua_pushswiftfunction(L, LuaInterpreter.checkedUnpack)
        lk_lua_setglobal(L, "unpack")
    }

    /// unpack(t [, i [, j]]) as Redis's patched lbaselib.c has it (CVE-2025-46817): the count
    /// is computed in unsigned arithmetic and checked before anything is pushed, so
    /// `unpack({1,2}, 2^31)` answers "too many results to unpack" instead of overrunning the
    /// stack. i and j are read as luaL_checkint reads them.
    static let checkedUnpack: SwiftLuaFunction = { L in
        guard lua_type(L, 1) == LUA_TTABLE else { return argError(L, 1, "table expected, got \(typeName(L, 1))") }
        guard let i = optInt(L, 2, default: 1) else { return LK_RAISE }
        guard let e = optInt(L, 3, default: Int32(truncatingIfNeeded: lua_objlen(L, 1))) else { return LK_RAISE }
        if i > e { return 0 }
        let n = UInt32(bitPattern: e) &- UInt32(bitPattern: i)  // elements minus one
        guard n < UInt32(Int32.max), lua_checkstack(L, Int32(n + 1)) != 0 else {
            return cjsonRaise(L, "too many results to unpack")
        }
        var k = i
        lua_rawgeti(L, 1, k)
        while k < e {
            k += 1
            lua_rawgeti(L, 1, k)
        }
        return Int32(n + 1)
    }

    /// luaL_opt* for numbers: absent or nil gives `d`; otherwise a number (or numeric string)
    /// converted by `cast` (the C cast the library applies); anything else pushes
    /// luaL_argerror's text and gives nil.
    static func optNumber<T>(_ L: OpaquePointer?, _ i: Int32, default d: T, _ cast: (Double) -> T) -> T? {
        if lua_type(L, i) <= LUA_TNIL { return d }
        guard lua_isnumber(L, i) != 0 else {
            _ = argError(L, i, "number expected, got \(typeName(L, i))")
            return nil
        }
        return cast(lua_tonumber(L, i))
    }

    /// luaL_optint: the number cast as `(int)(lua_Integer)`.
    static func optInt(_ L: OpaquePointer?, _ i: Int32, default d: Int32) -> Int32? {
        optNumber(L, i, default: d, LuaNumber.luaInt)
    }

    /// luaL_typename.
    static func typeName(_ L: OpaquePointer?, _ i: Int32) -> String { String(cString: lua_typename(L, lua_type(L, i))) }
}
