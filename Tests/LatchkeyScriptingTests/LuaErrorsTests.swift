// Error texts of failing scripts, redis.call and redis.pcall, in Redis 7.0's format
// "<error> script: <sha>, on @user_script:<line>." (observed on redis-server 7.0.15).
import LatchkeyCore
import LatchkeyScripting
import Testing

@Suite("Lua errors") struct LuaErrorsTests {
    let h = Harness()

    @Test("runtime errors carry the position, the script's SHA1 and line") func runtime() {
        let s = "error('boom')"
        #expect(h.error(s) == "ERR user_script:1: boom script: \(sha(s)), on @user_script:1.")
        let t = "error('boom', 0)"
        #expect(h.error(t) == "ERR boom script: \(sha(t)), on @user_script:1.")
        let u = "error({err='boom'})"
        #expect(h.error(u) == "boom script: \(sha(u)), on @user_script:1.")
        let v = "error()"
        #expect(h.error(v) == "ERR nil script: \(sha(v)), on @user_script:1.")
        let w = "\n\nlocal x = nil + 1"
        #expect(h.error(w)?.hasPrefix("ERR user_script:3: attempt to perform arithmetic on a nil value") == true)
        #expect(h.error(w)?.hasSuffix("on @user_script:3.") == true)
    }

    @Test("compile errors") func compile() {
        #expect(
            h.error("return foo(")
                == "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'")
        let body = Bytes(utf8: "return (")
        let r = body.withUnsafeBufferPointer { h.lua.load($0) }
        #expect(r == .error("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"))
    }

    @Test("redis.call errors abort with the caller's line") func callErrors() {
        let s = "return redis.call('nosuch')"
        #expect(h.error(s) == "ERR Unknown Redis command called from script script: \(sha(s)), on @user_script:1.")
        let t = "\n\nreturn redis.call('get')"
        #expect(
            h.error(t)
                == "ERR Wrong number of args calling Redis command from script script: \(sha(t)), on @user_script:3.")
        let u = "return redis.call('set', KEYS[1], {})"
        #expect(
            h.error(u, keys: ["k"])
                == "ERR Lua redis lib command arguments must be strings or integers script: \(sha(u)), on @user_script:1."
        )
        let v = "return redis.call()"
        #expect(
            h.error(v)
                == "ERR Please specify at least one argument for this redis lib call script: \(sha(v)), on @user_script:1."
        )
        let w = "return redis.call('incr', 'x')"
        #expect(h.error(w) == "ERR value is not an integer or out of range script: \(sha(w)), on @user_script:1.")
        let x = "return redis.call('eval', 'return 1', '0')"
        #expect(h.error(x) == "ERR This Redis command is not allowed from script script: \(sha(x)), on @user_script:1.")
    }

    @Test("redis.pcall returns the error table instead of raising") func pcall() {
        #expect(h.eval("return redis.pcall('nosuch')") == .error(Bytes(utf8: ScriptErrors.unknownCommand)))
        #expect(h.eval("local t = redis.pcall('nosuch'); return t.err") == bulk(ScriptErrors.unknownCommand))
        let s0 = "local t = redis.pcall('nosuch'); return {type(t), t.err}"
        #expect(h.eval(s0) == .array([bulk("table"), bulk(ScriptErrors.unknownCommand)]))
        let s = "local t = redis.pcall('nosuch'); error(t)"
        #expect(h.error(s) == "ERR Unknown Redis command called from script script: \(sha(s)), on @user_script:1.")
    }

    @Test("Lua's pcall hands the script a raised error table's err string, as Redis 7.0 does")
    func luaPcallGivesString() {
        #expect(
            h.eval("local ok, e = pcall(redis.call, 'nosuch'); return {type(e), e}")
                == .array([bulk("string"), bulk(ScriptErrors.unknownCommand)]))
        #expect(
            h.eval("local ok, e = pcall(function() redis.call('nosuch') end) return tostring(e)")
                == bulk(ScriptErrors.unknownCommand))
        #expect(h.eval("local ok, e = pcall(function() error({err='zz'}) end) return e") == bulk("zz"))
        #expect(h.eval("local ok, e = pcall(function() error({}) end) return type(e)") == bulk("table"))
        #expect(h.eval("local ok, e = pcall(function() error('x', 0) end) return e") == bulk("x"))
        #expect(
            h.eval("return {pcall(function() return 1, 2 end)}") == .array([.integer(1), .integer(1), .integer(2)]))
        // xpcall's handler still sees the table.
        #expect(
            h.eval("local ok, e = xpcall(function() redis.call('nosuch') end, function(m) return type(m) end) return e")
                == bulk("table"))
        // Re-raising the caught string is now a plain Lua error.
        let s = "local ok, e = pcall(function() redis.call('nosuch') end) error(e)"
        #expect(
            h.error(s)
                == "ERR user_script:1: ERR Unknown Redis command called from script script: \(sha(s)), on @user_script:1."
        )
    }

    @Test("library argument errors") func libraryErrors() {
        let a = "return redis.setresp(4)"
        #expect(h.error(a) == "ERR RESP version must be 2 or 3. script: \(sha(a)), on @user_script:1.")
        let b = "return redis.setresp()"
        #expect(h.error(b) == "ERR redis.setresp() requires one argument. script: \(sha(b)), on @user_script:1.")
        let c = "return redis.log(99, 'x')"
        #expect(h.error(c) == "ERR Invalid debug level. script: \(sha(c)), on @user_script:1.")
        let d = "return redis.log(1)"
        #expect(h.error(d) == "ERR redis.log() requires two arguments or more. script: \(sha(d)), on @user_script:1.")
        let e = "return redis.sha1hex()"
        #expect(h.error(e) == "ERR wrong number of arguments script: \(sha(e)), on @user_script:1.")
    }

    @Test("the interpreter is usable after every kind of failure") func recovers() {
        _ = h.eval("error('x')")
        _ = h.eval("return (")
        _ = h.eval("return redis.call('nosuch')")
        #expect(h.eval("return 1") == .integer(1))
    }
}
