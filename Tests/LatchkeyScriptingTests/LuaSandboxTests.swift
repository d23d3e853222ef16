// Sandbox escapes and limits: no os/io/loaders, no bytecode, read-only globals and libraries,
// a runaway script stopped by SCRIPT KILL, UNKILLABLE after a write, bounded memory.
import LatchkeyCore
import LatchkeyScripting
import Testing

@Suite("Lua sandbox") struct LuaSandboxTests {
    let h = Harness()

    private func missingGlobal(_ name: String, _ body: String) -> Bool {
        h.error(body)
            == "ERR user_script:1: Script attempted to access nonexistent global variable '\(name)' script: \(sha(body)), on @user_script:1."
    }

    @Test("os, io, loadfile, dofile, require, print, setfenv, getfenv, module and debug are absent")
    func noDangerousGlobals() {
        #expect(missingGlobal("os", "return os.execute('ls')"))
        #expect(missingGlobal("io", "return io.open('/etc/passwd')"))
        #expect(missingGlobal("loadfile", "return loadfile('/etc/passwd')"))
        #expect(missingGlobal("dofile", "return dofile('/etc/passwd')"))
        #expect(missingGlobal("require", "return require('os')"))
        #expect(missingGlobal("print", "return type(print)"))
        #expect(missingGlobal("setfenv", "return type(setfenv)"))
        #expect(missingGlobal("getfenv", "return type(getfenv)"))
        #expect(missingGlobal("module", "return type(module)"))
        #expect(missingGlobal("debug", "return type(debug)"))
        #expect(missingGlobal("package", "return type(package)"))
    }

    @Test("the allowed libraries work") func allowed() {
        #expect(h.eval("return string.format('%d-%s', 3, ('ab'):upper())") == bulk("3-AB"))
        #expect(h.eval("return table.concat({'a','b'}, ',')") == bulk("a,b"))
        #expect(h.eval("return math.floor(2.5)") == .integer(2))
        #expect(h.eval("return tonumber('0x10')") == .integer(16))
        #expect(h.eval("return select('#', unpack({1,2,3}))") == .integer(3))
        #expect(h.eval("return getmetatable('').__index == string") == .integer(1))
        #expect(h.eval("return type(_G)") == bulk("table"))
        #expect(h.eval("return _VERSION") == bulk("Lua 5.1"))
        #expect(h.eval("return loadstring('return 1')()") == .integer(1))
    }

    @Test("creating or changing globals and library tables raises the readonly error") func readonlyGlobals() {
        for body in [
            "x = 1", "redis = nil", "string.foo = 1", "math.floor = nil", "_G.x = 1",
            "getmetatable(_G).__newindex = nil",
        ] {
            #expect(
                h.error(body)
                    == "ERR user_script:1: Attempt to modify a readonly table script: \(sha(body)), on @user_script:1.",
                "\(body)")
        }
        for body in ["rawset(_G, 'x', 1)", "setmetatable(_G, nil)", "rawset(string, 'rep', nil)"] {
            #expect(
                h.error(body) == "ERR Attempt to modify a readonly table script: \(sha(body)), on @user_script:1.",
                "\(body)")
        }
        let chunk = "local f = loadstring('y = 5'); f()"
        #expect(h.error(chunk)?.hasPrefix("ERR [string \"y = 5\"]:1: Attempt to modify a readonly table") == true)
        #expect(h.eval("local t = {}; rawset(t, 'a', 1); setmetatable(t, {}); return t.a") == .integer(1))
        #expect(missingGlobal("x", "return x"), "nothing leaked into the globals")
    }

    @Test("precompiled bytecode is refused") func noBytecode() {
        #expect(h.eval("return loadstring(string.dump(function() return 1 end))") == .null)
        #expect(h.eval("return {loadstring('\\27Lua')}") == .array([]))
        #expect(
            h.eval(
                """
                local code = string.dump(function() return 1 end)
                local done = false
                return load(function() if done then return nil end done = true return code end)
                """) == .null)
        #expect(
            h.eval(
                "local done = false; return load(function() if done then return nil end done = true return 'return 7' end)()"
            ) == .integer(7))
    }

    @Test("the compiled script is cached under its SHA1, case-insensitively") func cache() {
        let body = Bytes(utf8: "return 1")
        #expect(body.withUnsafeBufferPointer { h.lua.load($0) } == .loaded(SHA1.hash(body)))
        let upper = Bytes(utf8: "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB")
        var sink = ScriptReplyBuilder()
        let ran = withViews([upper]) { v in
            withViews([]) { none in h.lua.evalSHA(v[0], keys: none, args: none, into: &sink) }
        }
        #expect(ran && sink.result == .integer(1))
        #expect(withViews([upper]) { h.lua.exists($0[0]) })
        // Redis 7 keeps compiled scripts out of the globals (issue 16 item 6): not reachable.
        #expect(h.eval("return rawget(_G, 'f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db') == nil") == .integer(1))
        h.lua.flush()
        #expect(!withViews([upper]) { h.lua.exists($0[0]) })
        var none = ScriptReplyBuilder()
        #expect(!withViews([upper]) { v in withViews([]) { e in h.lua.evalSHA(v[0], keys: e, args: e, into: &none) } })
        #expect(none.result == nil)
    }
}

@Suite("Lua limits") struct LuaLimitsTests {
    @Test("SCRIPT KILL stops a runaway script that has not written") func kill() {
        let h = Harness(busyThresholdMs: 0)
        var results: [ScriptKillResult] = []
        h.lua.onBusy = { results.append(h.lua.requestKill()) }
        #expect(h.lua.requestKill() == .notBusy)
        let body = "while true do end"
        #expect(
            h.error(body) == "ERR Script killed by user with SCRIPT KILL... script: \(sha(body)), on @user_script:1.")
        #expect(results == [.killed])
        #expect(!h.lua.isRunning && !h.lua.isBusy)
        #expect(h.eval("return 1") == .integer(1), "the next script runs normally")
    }

    @Test("a pcall inside the script cannot swallow SCRIPT KILL") func killThroughPcall() {
        let h = Harness(busyThresholdMs: 0)
        h.lua.onBusy = { _ = h.lua.requestKill() }
        let body = "while true do pcall(function() while true do end end) end"
        #expect(h.error(body)?.hasPrefix("ERR Script killed by user with SCRIPT KILL...") == true)
    }

    @Test("coroutine.resume cannot swallow SCRIPT KILL either") func killThroughCoroutine() {
        let h = Harness(busyThresholdMs: 0)
        h.lua.onBusy = { _ = h.lua.requestKill() }
        let body = "while true do coroutine.resume(coroutine.create(function() while true do end end)) end"
        #expect(h.error(body)?.hasPrefix("ERR Script killed by user with SCRIPT KILL...") == true)
        #expect(h.eval("return coroutine.wrap(function() coroutine.yield(5) end)()") == .integer(5))
    }

    @Test("a script that wrote is UNKILLABLE and runs to completion") func unkillable() {
        let h = Harness(busyThresholdMs: 0)
        var results: [ScriptKillResult] = []
        h.lua.onBusy = { if results.isEmpty { results.append(h.lua.requestKill()) } }
        #expect(h.eval("redis.call('set','w','1'); for i = 1, 500000 do end; return 'done'") == bulk("done"))
        #expect(results == [.unkillable])
    }

    @Test("memory a script allocates is bounded by lua-memory-limit") func memoryLimit() {
        let h = Harness(memoryLimit: 4 * 1024 * 1024)
        let body = "local t = {} for i = 1, 1e8 do t[i] = i end"
        #expect(h.error(body) == "ERR Lua script exceeded lua-memory-limit script: \(sha(body))")
        let big = "return #string.rep('x', 64 * 1024 * 1024)"
        #expect(h.error(big) == "ERR Lua script exceeded lua-memory-limit script: \(sha(big))")
        #expect(h.lua.memoryUsed < 4 * 1024 * 1024)
        #expect(h.eval("return #string.rep('x', 1024)") == .integer(1024), "usable afterwards")
    }
}

@Suite("Lua bit library") struct LuaBitTests {
    let h = Harness()

    @Test("bit operations follow LuaBitOp (signed 32-bit results)") func operations() {
        #expect(h.eval("return bit.band(7, 3)") == .integer(3))
        #expect(h.eval("return bit.bor(1, 2, 4)") == .integer(7))
        #expect(h.eval("return bit.bxor(5, 1)") == .integer(4))
        #expect(h.eval("return bit.bnot(0)") == .integer(-1))
        #expect(h.eval("return bit.lshift(1, 31)") == .integer(Int64(Int32.min)))
        #expect(h.eval("return bit.rshift(-1, 28)") == .integer(15))
        #expect(h.eval("return bit.arshift(-256, 4)") == .integer(-16))
        #expect(h.eval("return bit.rol(0x12345678, 8)") == .integer(0x3456_7812))
        #expect(h.eval("return bit.tobit(0xffffffff + 1)") == .integer(0))
        #expect(h.eval("return bit.tohex(255)") == bulk("000000ff"))
        #expect(h.eval("return bit.tohex(-1, -4)") == bulk("FFFF"))
        #expect(h.eval("return bit.bswap(0x12345678)") == .integer(0x7856_3412))
        let s = "return bit.band()"
        // redis-server 7.0.15 prefixes the position, as luaL_argerror does.
        #expect(
            h.error(s)
                == "ERR user_script:1: bad argument #1 to 'band' (number expected, got no value) script: \(sha(s)), on @user_script:1."
        )
    }
}
