import LatchkeyCore
import LatchkeyLog
import LatchkeyRESP
import LatchkeyScripting
import LatchkeyTestSupport
// Transcripts for EVAL/EVALSHA/EVAL_RO/SCRIPT: redis-py's Lock scripts (the exact text of
// redis-py 8.1 lock.py, so the SHA1s are the ones redis-py sends), conversions for RESP2 and
// RESP3 clients, pcall, error texts (observed on redis-server 7.0.15), the -BUSY gate and
// SCRIPT KILL through the busy pump.
import Testing

@testable import LatchkeyCommands

/// redis-py 8.1 `Lock.LUA_RELEASE_SCRIPT`, `LUA_EXTEND_SCRIPT`, `LUA_REACQUIRE_SCRIPT`, byte for byte.
enum RedisPyLock {
    static let release =
        "\n        local token = redis.call('get', KEYS[1])\n        if not token or token ~= ARGV[1] then\n            return 0\n        end\n        redis.call('del', KEYS[1])\n        return 1\n    "
    static let extend =
        "\n        local token = redis.call('get', KEYS[1])\n        if not token or token ~= ARGV[1] then\n            return 0\n        end\n        local expiration = redis.call('pttl', KEYS[1])\n        if not expiration then\n            expiration = 0\n        end\n        if expiration < 0 then\n            return 0\n        end\n\n        local newttl = ARGV[2]\n        if ARGV[3] == \"0\" then\n            newttl = ARGV[2] + expiration\n        end\n        redis.call('pexpire', KEYS[1], newttl)\n        return 1\n    "
    static let reacquire =
        "\n        local token = redis.call('get', KEYS[1])\n        if not token or token ~= ARGV[1] then\n            return 0\n        end\n        redis.call('pexpire', KEYS[1], ARGV[2])\n        return 1\n    "
}

extension Transcript {
    /// SCRIPT LOAD, returning the SHA1 text.
    func load(_ script: String) -> String {
        guard case .bulkString(let sha) = send("SCRIPT", "LOAD", script) else { return "" }
        return sha.string
    }

    /// The raw reply bytes of one command, for checks the parsed value cannot make ($-1 vs _).
    func rawReply(_ args: [String], on s: RESPSession? = nil) -> String {
        let session = s ?? self.session
        context.refreshNow()
        let input = Transcript.encode(args)
        _ = input.withUnsafeBytes { session.receive($0) }
        let out = session.client.info.outbox.bytes
        session.client.info.outbox.bytes.removeAll()
        return out.string
    }
}

private func sha1(_ s: String) -> String { SHA1.hash(Bytes(s.utf8)).hexString }

@Suite("Scripting: redis-py Lock") struct RedisPyLockTests {
    @Test("release deletes only the owner's lock; EVALSHA falls back through NOSCRIPT") func release() {
        let t = Transcript()
        let sha = sha1(RedisPyLock.release)
        #expect(t.send("SET", "lock", "tok", "NX", "PX", "30000") == OK)
        #expect(t.send("EVALSHA", sha, "1", "lock", "tok") == err("NOSCRIPT No matching script. Please use EVAL."))
        #expect(t.load(RedisPyLock.release) == sha)
        #expect(t.send("EVALSHA", sha, "1", "lock", "other") == int(0))
        #expect(t.send("GET", "lock") == bulk("tok"))
        #expect(t.send("EVALSHA", sha.uppercased(), "1", "lock", "tok") == int(1))
        #expect(t.send("EXISTS", "lock") == int(0))
        #expect(t.send("EVALSHA", sha, "1", "lock", "tok") == int(0))
    }

    @Test("a lock that expired and was taken by another owner is not released by the first") func expiredAndRetaken() {
        let t = Transcript()
        #expect(t.send("SET", "lock", "A", "NX", "PX", "100") == OK)
        t.advance(ms: 200)
        #expect(t.send("SET", "lock", "B", "NX", "PX", "1000") == OK)
        #expect(t.send("EVAL", RedisPyLock.release, "1", "lock", "A") == int(0))
        #expect(t.send("GET", "lock") == bulk("B"))
    }

    @Test("extend adds to the remaining TTL (string + number coercion) or replaces it") func extend() {
        let t = Transcript()
        t.send("SET", "lock", "tok", "PX", "10000")
        #expect(t.send("EVAL", RedisPyLock.extend, "1", "lock", "tok", "5000", "0") == int(1))
        #expect(t.send("PTTL", "lock") == int(15000))
        #expect(t.send("EVAL", RedisPyLock.extend, "1", "lock", "tok", "2000", "1") == int(1))
        #expect(t.send("PTTL", "lock") == int(2000))
        #expect(t.send("EVAL", RedisPyLock.extend, "1", "lock", "other", "5000", "0") == int(0))
        t.send("SET", "lock", "tok")
        #expect(t.send("EVAL", RedisPyLock.extend, "1", "lock", "tok", "5000", "0") == int(0), "no TTL: not extended")
    }

    @Test("reacquire resets the TTL for the owner only") func reacquire() {
        let t = Transcript()
        t.send("SET", "lock", "tok", "PX", "1000")
        #expect(t.send("EVAL", RedisPyLock.reacquire, "1", "lock", "tok", "60000") == int(1))
        #expect(t.send("PTTL", "lock") == int(60000))
        #expect(t.send("EVAL", RedisPyLock.reacquire, "1", "lock", "x", "5") == int(0))
        #expect(t.send("PTTL", "lock") == int(60000))
    }

    @Test("a script's writes are journaled as their effects") func journaled() {
        let t = Transcript()
        t.send("SET", "lock", "tok")
        _ = t.journal.take()
        #expect(t.send("EVAL", RedisPyLock.release, "1", "lock", "tok") == int(1))
        #expect(t.journal.take() == [.delete(db: 0, key: Bytes("lock".utf8))])
    }
}

@Suite("Scripting: EVAL and SCRIPT") struct ScriptingCommandsTests {
    @Test("numkeys errors and arity") func numkeys() {
        let t = Transcript()
        #expect(t.send("EVAL", "return 1", "-1") == err("ERR Number of keys can't be negative"))
        #expect(t.send("EVAL", "return 1", "2", "a") == err("ERR Number of keys can't be greater than number of args"))
        #expect(t.send("EVAL", "return 1", "x") == err("ERR value is not an integer or out of range"))
        #expect(t.send("EVAL", "return 1") == err("ERR wrong number of arguments for 'eval' command"))
        #expect(t.send("EVAL", "return {KEYS[1], ARGV[1]}", "1", "k", "a") == .array([bulk("k"), bulk("a")]))
        #expect(t.send("EVALSHA", "fff", "0") == err("NOSCRIPT No matching script. Please use EVAL."))
    }

    @Test("SCRIPT LOAD, EXISTS, FLUSH, KILL, HELP") func scriptCommand() {
        let t = Transcript()
        #expect(t.send("SCRIPT", "LOAD", "return 1") == bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"))
        #expect(
            t.send("SCRIPT", "LOAD", "return (")
                == err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"))
        #expect(
            t.send("SCRIPT", "EXISTS", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "ffff") == .array([int(1), int(0)]))
        #expect(t.send("EVAL", "return 2", "0") == int(2))
        #expect(t.send("SCRIPT", "EXISTS", sha1("return 2")) == .array([int(1)]), "EVAL caches too")
        #expect(t.send("SCRIPT", "FLUSH", "BAD") == err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"))
        #expect(t.send("SCRIPT", "FLUSH", "ASYNC") == OK)
        #expect(t.send("SCRIPT", "EXISTS", sha1("return 2")) == .array([int(0)]))
        #expect(t.send("SCRIPT", "KILL") == err("NOTBUSY No scripts in execution right now."))
        #expect(t.send("SCRIPT", "LOAD") == err("ERR wrong number of arguments for 'script|load' command"))
        #expect(t.send("SCRIPT", "FOO") == err("ERR unknown subcommand 'FOO'. Try SCRIPT HELP."))
        guard case .array(let help) = t.send("SCRIPT", "HELP") else {
            Issue.record("no help")
            return
        }
        #expect(help.count == 15)
    }

    @Test("false, nil and booleans for RESP2 and RESP3 clients") func protocols() {
        let t = Transcript()
        #expect(t.rawReply(["EVAL", "return false", "0"]) == "$-1\r\n")
        #expect(t.rawReply(["EVAL", "redis.setresp(3); return false", "0"]) == ":0\r\n")
        #expect(t.rawReply(["EVAL", "return {map={a=1}}", "0"]) == "*2\r\n$1\r\na\r\n:1\r\n")
        #expect(t.rawReply(["EVAL", "return {double=3.5}", "0"]) == "$3\r\n3.5\r\n")
        #expect(t.rawReply(["EVAL", "return {1,2,nil,4}", "0"]) == "*2\r\n:1\r\n:2\r\n")
        #expect(t.rawReply(["EVAL", "return 3.99", "0"]) == ":3\r\n")
        t.send("HELLO", "3")
        #expect(t.rawReply(["EVAL", "return false", "0"]) == "_\r\n")
        #expect(t.rawReply(["EVAL", "return true", "0"]) == ":1\r\n")
        #expect(t.rawReply(["EVAL", "redis.setresp(3); return false", "0"]) == "#f\r\n")
        #expect(t.rawReply(["EVAL", "redis.setresp(3); return true", "0"]) == "#t\r\n")
        #expect(t.rawReply(["EVAL", "return {double=3.5}", "0"]) == ",3.5\r\n")
        #expect(t.rawReply(["EVAL", "return {map={a=1}}", "0"]) == "%1\r\n$1\r\na\r\n:1\r\n")
        #expect(t.rawReply(["EVAL", "return {set={a=true}}", "0"]) == "~1\r\n$1\r\na\r\n")
    }

    @Test("redis.call replies become Lua values by the script's protocol") func replyConversion() {
        let t = Transcript()
        #expect(t.send("EVAL", "return type(redis.call('get','nokey'))", "0") == bulk("boolean"))
        #expect(t.send("EVAL", "redis.setresp(3); return type(redis.call('get','nokey'))", "0") == bulk("nil"))
        #expect(t.send("EVAL", "return redis.call('set','k','v')", "0") == OK)
        #expect(t.send("EVAL", "return redis.call('set','k','v').ok", "0") == bulk("OK"))
        #expect(
            t.send("EVAL", "redis.call('set','n',1.1); return redis.call('get','n')", "0") == bulk("1.1000000000000001")
        )
        #expect(t.send("EVAL", "return redis.call('EXISTS','k','k')", "0") == int(2))
    }

    @Test("errors: runtime, redis.call, pcall, not allowed from scripts") func errors() {
        let t = Transcript()
        let a = "return redis.call('nosuch')"
        #expect(
            t.send("EVAL", a, "0")
                == err("ERR Unknown Redis command called from script script: \(sha1(a)), on @user_script:1."))
        let b = "\nreturn redis.call('get')"
        #expect(
            t.send("EVAL", b, "0")
                == err(
                    "ERR Wrong number of args calling Redis command from script script: \(sha1(b)), on @user_script:2.")
        )
        #expect(
            t.send("EVAL", "return redis.pcall('nosuch')", "0") == err("ERR Unknown Redis command called from script"))
        #expect(
            t.send("EVAL", "return redis.pcall('set','k')", "0")
                == err("ERR Wrong number of args calling Redis command from script"))
        for (i, call) in [
            "redis.call('eval','return 1','0')", "redis.call('script','load','x')", "redis.call('hello')",
            "redis.call('client','id')", "redis.call('evalsha','x','0')",
        ].enumerated() {
            let s = "return " + call
            #expect(
                t.send("EVAL", s, "0")
                    == err("ERR This Redis command is not allowed from script script: \(sha1(s)), on @user_script:1."),
                "case \(i)")
        }
        let c = "return redis.call('client','foo')"
        #expect(
            t.send("EVAL", c, "0")
                == err("ERR Unknown Redis command called from script script: \(sha1(c)), on @user_script:1."))
        let d = "error('boom')"
        #expect(t.send("EVAL", d, "0") == err("ERR user_script:1: boom script: \(sha1(d)), on @user_script:1."))
        let e = "x = 1"
        #expect(
            t.send("EVAL", e, "0")
                == err("ERR user_script:1: Attempt to modify a readonly table script: \(sha1(e)), on @user_script:1."))
        t.send("SET", "s", "abc")
        let f = "return redis.call('incr','s')"
        #expect(
            t.send("EVAL", f, "0")
                == err("ERR value is not an integer or out of range script: \(sha1(f)), on @user_script:1."))
    }

    @Test("the gate refuses script calls with the script texts and counts each refusal once, as Redis 7 does")
    func scriptRefusalStats() {
        let t = Transcript()
        #expect(
            t.send("EVAL", "return redis.pcall('get')", "0")
                == err("ERR Wrong number of args calling Redis command from script"))
        #expect(
            t.send("EVAL", "return redis.pcall('blpop','l','0')", "0")
                == err("ERR This Redis command is not allowed from script"))
        #expect(
            t.send("EVAL_RO", "return redis.pcall('set','k','v')", "0")
                == err("ERR Write commands are not allowed from read-only scripts."))
        guard case .bulkString(let text) = t.send("INFO", "commandstats", "errorstats") else {
            Issue.record("INFO is not a bulk string")
            return
        }
        let s = text.string
        #expect(s.contains("cmdstat_eval:calls=2,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=2"))
        #expect(s.contains("cmdstat_eval_ro:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1"))
        // The refused command gets the rejected call; the EVAL that passes the error on fails
        // without counting it again (the error table carries ignore_error_stats_update).
        #expect(s.contains("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"))
        #expect(s.contains("cmdstat_blpop:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"))
        #expect(s.contains("cmdstat_set:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"))
        #expect(s.contains("errorstat_ERR:count=3"))
    }

    @Test("EVAL_RO and EVALSHA_RO refuse writes") func readOnly() {
        let t = Transcript()
        t.send("SET", "a", "1")
        #expect(t.send("EVAL_RO", "return redis.call('get','a')", "1", "a") == bulk("1"))
        let s = "return redis.call('set','a','b')"
        #expect(
            t.send("EVAL_RO", s, "0")
                == err(
                    "ERR Write commands are not allowed from read-only scripts. script: \(sha1(s)), on @user_script:1.")
        )
        #expect(
            t.send("EVALSHA_RO", sha1(s), "0")
                == err(
                    "ERR Write commands are not allowed from read-only scripts. script: \(sha1(s)), on @user_script:1.")
        )
        #expect(t.send("GET", "a") == bulk("1"))
        #expect(t.send("EVAL", s, "0") == OK, "the same script writes through EVAL")
    }

    @Test("scripts use the caller's database; SELECT inside a script does not change the caller's") func database() {
        let t = Transcript()
        t.send("SELECT", "3")
        t.send("SET", "k", "three")
        #expect(t.send("EVAL", "return redis.call('get','k')", "0") == bulk("three"))
        #expect(t.send("EVAL", "redis.call('select','0'); return redis.call('get','k')", "0") == NIL)
        #expect(t.send("GET", "k") == bulk("three"))
        #expect(t.send("EVAL", "return redis.call('get','k')", "0") == bulk("three"))
    }
}

@Suite("Scripting: busy scripts") struct BusyScriptTests {
    private func transcript() -> Transcript {
        let config = Config()
        config.set("busy-reply-threshold", "0")
        return Transcript(config: config)
    }

    @Test("other clients get -BUSY; SCRIPT KILL stops a script that has not written") func kill() {
        let t = transcript()
        let (_, other) = Transcript.connect(t.engine, t.context)
        var seen: [String] = []
        t.engine.scripting.busyPump = {
            guard seen.isEmpty else { return }
            seen.append(t.rawReply(["GET", "x"], on: other))
            seen.append(t.rawReply(["SCRIPT", "FLUSH"], on: other))
            seen.append(t.rawReply(["SCRIPT", "KILL"], on: other))
        }
        let s = "while true do end"
        #expect(
            t.send("EVAL", s, "0")
                == err("ERR Script killed by user with SCRIPT KILL... script: \(sha1(s)), on @user_script:1."))
        #expect(
            seen == [
                "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
                "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
                "+OK\r\n",
            ])
        #expect(t.send("GET", "x") == NIL, "back to normal")
    }

    @Test("a script that has written is UNKILLABLE and completes") func unkillable() {
        let t = transcript()
        let (_, other) = Transcript.connect(t.engine, t.context)
        var seen: [String] = []
        t.engine.scripting.busyPump = { if seen.isEmpty { seen.append(t.rawReply(["SCRIPT", "KILL"], on: other)) } }
        #expect(
            t.send("EVAL", "redis.call('set','w','1'); for i = 1, 300000 do end; return 'done'", "0") == bulk("done"))
        #expect(seen.count == 1 && seen[0].hasPrefix("-UNKILLABLE Sorry the script already executed write commands"))
        #expect(t.send("GET", "w") == bulk("1"))
    }

    @Test("a script sees one now for its whole run, even if the clock moves while it is busy") func oneNow() {
        let t = transcript()
        var advanced = false
        t.engine.scripting.busyPump = {
            if !advanced {
                advanced = true
                t.advance(ms: 1000)
                t.context.refreshNow()
            }
        }
        let body = "redis.call('set','k','v','PX','100'); for i = 1, 300000 do end; return redis.call('get','k')"
        #expect(t.send("EVAL", body, "0") == bulk("v"))
        #expect(advanced)
        #expect(t.send("GET", "k") == NIL, "expired for the next command")
    }
}
