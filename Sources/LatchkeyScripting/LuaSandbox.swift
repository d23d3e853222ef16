// Builds the sandbox once, when the interpreter starts: only the base (minus file/loader/env
// functions), string, table and math libraries plus `redis`, `bit`, `cjson`, `struct` and
// `cmsgpack`; pcall handing error tables' err strings to scripts; library tables and the globals
// behind read-only proxies (writes raise `ScriptErrors.readonlyTable`, reading an unknown global
// raises `ScriptErrors.nonexistentGlobal`, Redis's texts), and
// loadstring/load refusing precompiled bytecode. The permanent stack slots are set up here.
import CLua51
import LatchkeyCore

extension LuaInterpreter {
    /// Lua run once at start-up, with the real globals as its environment; returns the proxy
    /// that becomes the scripts' global table. Its chunk name "=latchkey" lets the error handler
    /// skip its wrapper frames when it looks for the script's failing line.
    static let prelude = """
        local G = _G
        local error, tostring, type, rawset, setmetatable = error, tostring, type, rawset, setmetatable
        local loadstring, load, concat, byte = loadstring, load, table.concat, string.byte
        local READONLY = "\(ScriptErrors.readonlyTable)"
        local protected = setmetatable({}, {__mode = "k"})
        local function deny() error(READONLY, 2) end
        local function sealed(index)
          local t = setmetatable({}, {__index = index, __newindex = deny, __metatable = false})
          protected[t] = true
          return t
        end
        local function readonly(t)
          local proxy = setmetatable({}, {__index = t, __newindex = deny, __metatable = sealed({})})
          protected[proxy] = true
          return proxy
        end
        local function safe_loadstring(s, name)
          if type(s) == "string" and byte(s, 1) == 27 then
            return nil, "loading precompiled bytecode is not allowed"
          end
          return loadstring(s, name)
        end
        G.loadstring = safe_loadstring
        G.load = function(f, name)
          if type(f) ~= "function" then return load(f, name) end
          local parts = {}
          while true do
            local p = f()
            if p == nil or p == "" then break end
            if type(p) ~= "string" then return nil, "reader function must return a string" end
            parts[#parts + 1] = p
          end
          return safe_loadstring(concat(parts), name or "=(load)")
        end
        -- Redis 7.0 replaces pcall so that an error raised as a table (redis.call's
        -- {err=...}, or error({err=...})) reaches the script as its err string; xpcall and the
        -- script's own failure still see the table.
        local pcall, rawget = pcall, rawget
        local function caught(ok, ...)
          if ok then return ok, ... end
          local e = ...
          if type(e) == "table" then
            local m = rawget(e, "err")
            if type(m) == "string" or type(m) == "number" then return false, m end
          end
          return false, e
        end
        G.pcall = function(...) return caught(pcall(...)) end
        G.rawset = function(t, k, v)
          if protected[t] then error(READONLY, 0) end
          return rawset(t, k, v)
        end
        G.setmetatable = function(t, mt)
          if protected[t] then error(READONLY, 0) end
          return setmetatable(t, mt)
        end
        for _, name in ipairs({"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy",
                               "module", "require", "package", "os", "io", "debug"}) do
          G[name] = nil
        end
        for _, name in ipairs({"string", "table", "math", "coroutine", "redis", "bit", "cjson", "struct", "cmsgpack"}) do
          G[name] = readonly(G[name])
        end
        local smt = getmetatable("")
        smt.__index = G.string
        smt.__metatable = readonly({__index = G.string})
        setmetatable(G, {__index = function(_, k)
          error("\(ScriptErrors.nonexistentGlobal) '" .. tostring(k) .. "'", 2)
        end})
        local proxy = readonly(G)
        G._G = proxy
        return proxy
        """

    func setUpSandbox() {
        // Libraries: each luaopen_* must be called through Lua in 5.1.
        let libs: [(lua_CFunction, StaticString)] = [
            (luaopen_base, ""), (luaopen_table, "table"), (luaopen_string, "string"), (luaopen_math, "math"),
        ]
        for (open, name) in libs {
            lk_lua_pushcfunction(L, open)
            pushStatic(name)
            lua_call(L, 1, 0)
        }
        installLuaGuards()
        // The Swift libraries, before the prelude seals them: (global, size hint, filler). The
        // hints are kept as they were: they fix the tables' hash sizes and so the order in which
        // `pairs` walks a library, which scripts can observe.
        let libraries: [(String, Int32, (LuaInterpreter) -> () -> Void)] = [
            ("redis", 32, LuaInterpreter.registerRedisLibrary), ("bit", 12, LuaInterpreter.registerBitLibrary),
            ("cjson", 6, LuaInterpreter.registerCjsonLibrary), ("struct", 3, LuaInterpreter.registerStructLibrary),
            ("cmsgpack", 6, LuaInterpreter.registerMsgpackLibrary),
        ]
        for (global, hint, fill) in libraries {
            lua_createtable(L, 0, hint)
            fill(self)()
            lk_lua_setglobal(L, global)
        }

        // Permanent slots 1-4: error handler, KEYS, ARGV, real globals. Each run replaces the
        // KEYS/ARGV slots (and globals) with fresh tables and clears them afterwards.
        lk_lua_pushswiftfunction(L, LuaInterpreter.errorHandler)
        lua_createtable(L, 0, 0)
        lua_pushvalue(L, -1)
        lk_lua_setglobal(L, "KEYS")
        lua_createtable(L, 0, 0)
        lua_pushvalue(L, -1)
        lk_lua_setglobal(L, "ARGV")
        lua_pushvalue(L, LUA_GLOBALSINDEX)

        var status = LuaInterpreter.prelude.withCString { src in luaL_loadbuffer(L, src, strlen(src), "=latchkey") }
        if status == 0 { status = lua_pcall(L, 0, 1, 0) }
        if status != 0 {
            var len = 0
            let msg = lua_tolstring(L, -1, &len).map { String(cString: $0) } ?? "?"
            fatalError("Lua sandbox prelude failed: \(msg)")
        }
        // From now on every chunk compiled or created (and coroutines) sees the proxy.
        lua_replace(L, LUA_GLOBALSINDEX)
        lua_gc(L, LUA_GCCOLLECT, 0)
    }
}

#if canImport(Glibc)
import Glibc
#endif
