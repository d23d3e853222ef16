// The `redis` library scripts see: call/pcall (through the ScriptHost), error_reply,
// status_reply, sha1hex, log, setresp and the compatibility no-ops, plus the error handler that
// records where a script failed. Each function is a Swift @convention(c) function reached through
// the C trampoline in shim.h; it returns -1 after pushing an error value instead of raising, so
// Lua's longjmp never crosses a Swift frame.
import CLua51
import LatchkeyCore

typealias SwiftLuaFunction = @convention(c) (OpaquePointer?) -> Int32

extension LuaInterpreter {
    /// Fills the `redis` table on top of the stack.
    func registerRedisLibrary() {
        let functions: [(StaticString, SwiftLuaFunction)] = [
            ("call", LuaInterpreter.redisCall), ("pcall", LuaInterpreter.redisPcall),
            ("error_reply", LuaInterpreter.redisErrorReply), ("status_reply", LuaInterpreter.redisStatusReply),
            ("sha1hex", LuaInterpreter.redisSha1hex), ("log", LuaInterpreter.redisLog),
            ("setresp", LuaInterpreter.redisSetresp), ("replicate_commands", LuaInterpreter.redisReplicateCommands),
            ("set_repl", LuaInterpreter.redisSetRepl), ("breakpoint", LuaInterpreter.redisBreakpoint),
            ("debug", LuaInterpreter.redisDebug),
        ]
        setFields(functions)
        let numbers: [(StaticString, Double)] = [
            ("LOG_DEBUG", 0), ("LOG_VERBOSE", 1), ("LOG_NOTICE", 2), ("LOG_WARNING", 3), ("REPL_NONE", 0),
            ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3),
        ]
        for (name, v) in numbers {
            lua_pushnumber(L, v)
            setField(name)
        }
        LuaInterpreter.pushString(L, versionText)
        setField("REDIS_VERSION")
        let parts = versionText.split(separator: ".").map { Int($0) ?? 0 } + [0, 0, 0]
        lua_pushnumber(L, Double(parts[0] << 16 | parts[1] << 8 | parts[2]))
        setField("REDIS_VERSION_NUM")
    }

    /// Raises {err="ERR <msg>"} (returns the trampoline's "raise" code).
    static func raise(_ L: OpaquePointer?, _ msg: String) -> Int32 {
        LuaInterpreter.from(L).pushErrorTable("ERR " + msg)
        return -1
    }

    static let redisCall: SwiftLuaFunction = { L in LuaInterpreter.from(L).genericCall(raise: true) }
    static let redisPcall: SwiftLuaFunction = { L in LuaInterpreter.from(L).genericCall(raise: false) }

    /// redis.call / redis.pcall: checks and converts the arguments in place on the Lua stack
    /// (numbers become "%.17g" strings, as in Redis), hands the host borrowed views of them,
    /// and pushes the reply read back from its bytes (raising the error table for `call`).
    func genericCall(raise: Bool) -> Int32 {
        let argc = lua_gettop(L)
        if argc == 0 {
            pushErrorTable("ERR " + ScriptErrors.noArguments)
            return raise ? -1 : 1
        }
        if Int(argc) > argScratchCapacity {
            argScratch.deallocate()
            argScratchCapacity = Int(argc) * 2
            argScratch = .allocate(capacity: argScratchCapacity)
        }
        var i: Int32 = 1
        while i <= argc {
            switch lua_type(L, i) {
            case LUA_TSTRING: break
            case LUA_TNUMBER:
                pushG17(lua_tonumber(L, i))
                lua_replace(L, i)
            default:
                pushErrorTable("ERR " + ScriptErrors.badArgument)
                return raise ? -1 : 1
            }
            var len = 0
            let p = lua_tolstring(L, i, &len)!
            let base = UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self)
            (argScratch + Int(i - 1)).initialize(to: ByteView(base: base, count: len))
            i += 1
        }
        guard let host else {
            pushErrorTable(ScriptErrors.unknownCommand)
            return raise ? -1 : 1
        }
        var result: Int32 = 1
        host.scriptCall(UnsafeBufferPointer(start: argScratch, count: Int(argc)), resp: scriptResp) { bytes in
            var pos = 0
            guard let base = bytes.baseAddress, bytes.count > 0,
                pushReply(base.assumingMemoryBound(to: UInt8.self), bytes.count, &pos)
            else {
                pushErrorTable("ERR malformed reply from command")
                result = raise ? -1 : 1
                return
            }
            if base.load(as: UInt8.self) == 45 && raise { result = -1 }
        }
        // The reply was pushed with the limit off (Swift is on the stack); a reply too big for
        // the limit fails the script the way a Lua allocation would.
        if overBudget(pending: 0) { return LK_RAISE_MEMORY }
        assert(lua_gettop(L) == argc + 1, "redis.call leaves its arguments and one result")
        return result
    }

    /// redis.error_reply(msg) → {err=...} in Redis 7's shape: the text is taken as "-CODE rest"
    /// (a '-' is assumed when missing); with no space the code is ERR, so 'custom' gives
    /// "ERR custom", 'WRONG thing' stays and '-X y' gives "X y". CR/LF are trimmed from both
    /// ends of the rest. Only a real string is accepted (not a number), as in Redis.
    static let redisErrorReply: SwiftLuaFunction = { L in
        let me = LuaInterpreter.from(L)
        guard lua_gettop(L) == 1, lua_type(L, 1) == LUA_TSTRING else {
            me.pushErrorTable(ScriptErrors.wrongNumberOrType)
            return 1
        }
        me.pushErrorTable(me.withString(1) { LuaInterpreter.errorText(from: $0) })
        return 1
    }

    /// The text of a Lua error table for `raw` (see redisErrorReply). Redis reads the argument
    /// as a C string, so it ends at the first NUL.
    static func errorText(from raw: UnsafeBufferPointer<UInt8>) -> Bytes {
        var s = Array(raw.prefix { $0 != 0 })
        if s.first == 45 { s.removeFirst() }
        var code: Bytes = Bytes(utf8: "ERR")
        var rest = s[...]
        if let space = s.firstIndex(of: 32) {
            code = Array(s[..<space])
            rest = s[(space + 1)...]
        }
        while let c = rest.first, c == 13 || c == 10 { rest.removeFirst() }
        while let c = rest.last, c == 13 || c == 10 { rest.removeLast() }
        return code + [32] + rest
    }

    /// redis.status_reply(msg) → {ok=msg}.
    static let redisStatusReply: SwiftLuaFunction = { L in
        let me = LuaInterpreter.from(L)
        guard lua_gettop(L) == 1, lua_type(L, 1) == LUA_TSTRING else {
            me.pushErrorTable(ScriptErrors.wrongNumberOrType)
            return 1
        }
        lua_createtable(L, 0, 1)
        lua_pushvalue(L, 1)
        me.setField("ok")
        return 1
    }

    /// redis.sha1hex(s) → 40 lower-case hex digits.
    static let redisSha1hex: SwiftLuaFunction = { L in
        guard lua_gettop(L) == 1 else { return raise(L, ScriptErrors.wrongNumber) }
        var len = 0
        let p = lua_tolstring(L, 1, &len)
        let sha =
            p.map { SHA1.hash(UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: len) }
            ?? SHA1.hash(nil, count: 0)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buf in
            sha.writeHex(to: buf.baseAddress!)
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: 40) { lua_pushlstring(L, $0, 40) }
        }
        return 1
    }

    /// redis.log(level, msg, ...) → the server's log (arguments joined by spaces).
    static let redisLog: SwiftLuaFunction = { L in
        let argc = lua_gettop(L)
        guard argc >= 2 else { return raise(L, ScriptErrors.logArity) }
        guard lua_isnumber(L, 1) != 0 else { return raise(L, "First argument must be a number (log level).") }
        // Redis reads the level with an (int) cast: NaN and huge values become INT_MIN.
        let level = Int(LuaNumber.cInt(lua_tonumber(L, 1)))
        guard (0...3).contains(level) else { return raise(L, ScriptErrors.logLevel) }
        let me = LuaInterpreter.from(L)
        guard let handler = me.logHandler else { return 0 }
        var message = Bytes()
        var i: Int32 = 2
        while i <= argc {
            var len = 0
            if let p = lua_tolstring(L, i, &len) {
                if !message.isEmpty { message.append(32) }
                message += UnsafeRawBufferPointer(start: p, count: len)
            }
            i += 1
        }
        handler(level, message.string)
        return 0
    }

    /// redis.setresp(2|3): the protocol of replies redis.call hands the script.
    static let redisSetresp: SwiftLuaFunction = { L in
        guard lua_gettop(L) == 1 else { return raise(L, ScriptErrors.setrespArity) }
        let v = lua_tonumber(L, 1)
        guard v == 2 || v == 3 else { return raise(L, ScriptErrors.setrespVersion) }
        LuaInterpreter.from(L).scriptResp = Int(v)
        return 0
    }

    /// Effects replication is the only mode (as in Redis 7): always true.
    static let redisReplicateCommands: SwiftLuaFunction = { L in
        lua_pushboolean(L, 1)
        return 1
    }

    /// Accepted and ignored (effects are always journaled), but checked as Redis 7.0 checks it:
    /// its arity text really says "two", and the flags are read with an (int) cast.
    static let redisSetRepl: SwiftLuaFunction = { L in
        guard lua_gettop(L) == 1 else { return raise(L, "redis.set_repl() requires two arguments.") }
        guard LuaNumber.cInt(lua_tonumber(L, 1)) & ~3 == 0 else {
            return raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
        }
        return 0
    }

    /// No debugger: breakpoint() is false and debug() does nothing, as outside a debug session.
    static let redisBreakpoint: SwiftLuaFunction = { L in
        lua_pushboolean(L, 0)
        return 1
    }

    static let redisDebug: SwiftLuaFunction = { _ in 0 }

    /// The pcall error handler: records the source and line of the innermost frame that belongs
    /// to the script (skipping C functions such as `error` and the sandbox's own Lua wrappers)
    /// and returns the error value unchanged. Runs as C, so the count hook cannot fire in it.
    static let errorHandler: SwiftLuaFunction = { L in
        let me = LuaInterpreter.from(L)
        var ar = lua_Debug()
        var level: Int32 = 1
        me.errorLine = -1
        while lua_getstack(L, level, &ar) != 0 {
            _ = lua_getinfo(L, "Sl", &ar)
            let isC = ar.what.map { strcmpC($0, "C") } ?? true
            let isSandbox = ar.source.map { strcmpC($0, "=latchkey") } ?? false
            if !isC && !isSandbox {
                me.errorLine = ar.currentline
                me.errorSource =
                    ar.source.map {
                        Bytes(
                            UnsafeBufferPointer(
                                start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlenC($0)))
                    } ?? []
                break
            }
            level += 1
        }
        lua_pushvalue(L, 1)
        return 1
    }
}

@inline(__always) private func strlenC(_ p: UnsafePointer<CChar>) -> Int {
    var n = 0
    while p[n] != 0 { n += 1 }
    return n
}

@inline(__always) private func strcmpC(_ p: UnsafePointer<CChar>, _ s: StaticString) -> Bool {
    let u = s.utf8Start
    for i in 0..<s.utf8CodeUnitCount where UInt8(bitPattern: p[i]) != u[i] { return false }
    return p[s.utf8CodeUnitCount] == 0
}
