// Conversions both ways, against what redis-server 7.0.15 was observed to reply.
import LatchkeyCore
import LatchkeyScripting
import Testing

@Suite("Lua to reply") struct LuaToReplyTests {
    let h = Harness()

    @Test("numbers are truncated to integers, out of range gives Int64.min") func numbers() {
        #expect(h.eval("return 3.99") == .integer(3))
        #expect(h.eval("return -3.99") == .integer(-3))
        #expect(h.eval("return 1e100") == .integer(Int64.min))
        #expect(h.eval("return 0/0") == .integer(Int64.min))
    }

    @Test("strings, booleans and nil") func scalars() {
        #expect(h.eval("return 'abc'") == bulk("abc"))
        #expect(h.eval("return true") == .integer(1))
        #expect(h.eval("return false") == .null)
        #expect(h.eval("return nil") == .null)
        #expect(h.eval("return function() end") == .null)
    }

    @Test("after redis.setresp(3) booleans are RESP3 booleans") func resp3Booleans() {
        #expect(h.eval("redis.setresp(3); return true") == .bool(true))
        #expect(h.eval("redis.setresp(3); return false") == .bool(false))
        #expect(h.eval("return false") == .null, "setresp does not outlive its script")
    }

    @Test("arrays stop at the first nil and nest") func arrays() {
        #expect(h.eval("return {1,2,nil,4}") == .array([.integer(1), .integer(2)]))
        #expect(
            h.eval("return {1,'a',{2,3},true,false}")
                == .array([.integer(1), bulk("a"), .array([.integer(2), .integer(3)]), .integer(1), .null]))
        #expect(h.eval("return {foo='x'}") == .array([]))
    }

    @Test("{ok=} and {err=}, err first, newlines replaced") func statusAndError() {
        #expect(h.eval("return {ok='x'}") == .status(Bytes(utf8: "x")))
        #expect(h.eval("return {err='My Error'}") == .error(Bytes(utf8: "My Error")))
        #expect(h.eval("return {ok='a', err='b'}") == .error(Bytes(utf8: "b")))
        #expect(h.eval("return {ok='a\\r\\nb'}") == .status(Bytes(utf8: "a  b")))
        #expect(h.eval("return {err=1}") == .array([]))
        #expect(h.eval("return redis.status_reply('FINE')") == .status(Bytes(utf8: "FINE")))
        #expect(h.eval("return redis.error_reply('My Error')") == .error(Bytes(utf8: "My Error")))
        #expect(h.eval("return redis.error_reply('-My Error')") == .error(Bytes(utf8: "My Error")))
        // Redis 7.0 reads "-CODE rest": with no space the code is ERR.
        #expect(h.eval("return redis.error_reply('custom')") == .error(Bytes(utf8: "ERR custom")))
        #expect(h.eval("return redis.error_reply('-X')") == .error(Bytes(utf8: "ERR X")))
        #expect(h.eval("return redis.error_reply('')") == .error(Bytes(utf8: "ERR ")))
        #expect(h.eval("return redis.error_reply('a\\r\\nb c\\r\\n')") == .error(Bytes(utf8: "a  b c")))
        #expect(
            h.eval("return {redis.status_reply('x'), redis.error_reply('y')}")
                == .array([.status(Bytes(utf8: "x")), .error(Bytes(utf8: "ERR y"))]))
        #expect(h.eval("return redis.error_reply(5)") == .error(Bytes(utf8: "ERR wrong number or type of arguments")))
        #expect(h.eval("return redis.status_reply(5)") == .error(Bytes(utf8: "ERR wrong number or type of arguments")))
        #expect(h.eval("return redis.error_reply()") == .error(Bytes(utf8: "ERR wrong number or type of arguments")))
    }

    @Test("RESP3 shapes: double, map, set, big_number, verbatim_string") func resp3Shapes() {
        #expect(h.eval("return {double=3.5}") == .double(3.5))
        #expect(h.eval("return {double='x'}") == .array([]))
        #expect(h.eval("return {map={a=1}}") == .map([bulk("a"), .integer(1)]))
        #expect(h.eval("return {set={a=true}}") == .set([bulk("a")]))
        #expect(h.eval("return {big_number='123'}") == .bigNumber(Bytes(utf8: "123")))
        #expect(
            h.eval("return {verbatim_string={format='txt',string='hello'}}")
                == .verbatim(format: Bytes(utf8: "txt"), text: Bytes(utf8: "hello")))
    }
}

@Suite("Reply to Lua") struct ReplyToLuaTests {
    let h = Harness()

    @Test("nil bulk is false in RESP2 and nil after setresp(3)") func nullReply() {
        #expect(h.eval("return type(redis.call('get','nokey'))") == bulk("boolean"))
        #expect(h.eval("return redis.call('get','nokey') == false") == .integer(1))
        #expect(h.eval("redis.setresp(3); return type(redis.call('get','nokey'))") == bulk("nil"))
    }

    @Test("status replies are {ok=} tables, integers are numbers, bulks are strings") func basic() {
        #expect(h.eval("return type(redis.call('set','k','v'))") == bulk("table"))
        #expect(h.eval("return redis.call('set','k','v')") == .status(Bytes(utf8: "OK")))
        #expect(h.eval("return redis.call('ping').ok") == bulk("PONG"))
        #expect(h.eval("return redis.call('get','k')") == bulk("v"))
        #expect(h.eval("return type(redis.call('del','k'))") == bulk("number"))
    }

    @Test("arrays keep null elements as false") func arrays() {
        #expect(
            h.eval("local t = redis.call('arrayreply'); return {t[1], tostring(t[2]), t[3]}")
                == .array([.integer(1), bulk("false"), bulk("x")]))
    }

    @Test("RESP3 values down-convert for RESP2 scripts") func resp2Scripts() {
        #expect(h.eval("return redis.call('mapreply')") == .array([bulk("f"), bulk("v")]))
        #expect(h.eval("return redis.call('setreply')") == .array([bulk("m")]))
        #expect(h.eval("return redis.call('doublereply')") == bulk("1.5"))
        #expect(h.eval("return type(redis.call('boolreply'))") == bulk("number"))
        #expect(h.eval("return redis.call('bigreply')") == bulk("1234567890123456789012"))
        #expect(h.eval("return redis.call('verbatimreply')") == bulk("hello"))
    }

    @Test("RESP3 values stay typed after setresp(3)") func resp3Scripts() {
        #expect(h.eval("redis.setresp(3); return redis.call('mapreply').map.f") == bulk("v"))
        #expect(h.eval("redis.setresp(3); return redis.call('mapreply')") == .map([bulk("f"), bulk("v")]))
        #expect(h.eval("redis.setresp(3); return redis.call('setreply')") == .set([bulk("m")]))
        #expect(h.eval("redis.setresp(3); return redis.call('doublereply')") == .double(1.5))
        #expect(h.eval("redis.setresp(3); return redis.call('boolreply')") == .bool(true))
        #expect(h.eval("redis.setresp(3); return redis.call('bigreply').big_number") == bulk("1234567890123456789012"))
        #expect(h.eval("redis.setresp(3); return redis.call('verbatimreply').verbatim_string.format") == bulk("txt"))
    }

    @Test("numeric arguments are passed as %.17g strings") func numericArguments() {
        _ = h.eval("redis.call('set','a',1.1); redis.call('set','b',10); return redis.call('set','c',-0.5)")
        #expect(h.host.strings[Bytes(utf8: "a")] == Bytes(utf8: "1.1000000000000001"))
        #expect(h.host.strings[Bytes(utf8: "b")] == Bytes(utf8: "10"))
        #expect(h.host.strings[Bytes(utf8: "c")] == Bytes(utf8: "-0.5"))
    }

    @Test("KEYS and ARGV are 1-based string tables, reused without leaking between scripts") func keysAndArgv() {
        #expect(
            h.eval("return {KEYS[1], ARGV[1], ARGV[2], #KEYS, #ARGV}", keys: ["k"], args: ["a", "b"])
                == .array([bulk("k"), bulk("a"), bulk("b"), .integer(1), .integer(2)]))
        #expect(h.eval("return {#KEYS, #ARGV, tostring(KEYS[1])}") == .array([.integer(0), .integer(0), bulk("nil")]))
        _ = h.eval("KEYS.extra = 'x'; KEYS[7] = 'y'; return 1", keys: ["k"])
        #expect(
            h.eval("return {tostring(KEYS.extra), tostring(KEYS[7]), #KEYS}")
                == .array([bulk("nil"), bulk("nil"), .integer(0)]))
        #expect(h.eval("return ARGV[2] + 5", args: ["x", "10"]) == .integer(15), "Lua 5.1 string coercion")
    }

    @Test("redis.sha1hex, REDIS_VERSION and log levels") func library() {
        #expect(h.eval("return redis.sha1hex('')") == bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709"))
        #expect(h.eval("return redis.sha1hex(123)") == bulk(sha("123")))
        #expect(h.eval("return redis.REDIS_VERSION") == bulk("7.4.0"))
        #expect(
            h.eval("return {redis.LOG_DEBUG,redis.LOG_VERBOSE,redis.LOG_NOTICE,redis.LOG_WARNING}")
                == .array([.integer(0), .integer(1), .integer(2), .integer(3)]))
        var logged: [(Int, String)] = []
        h.lua.logHandler = { logged.append(($0, $1)) }
        #expect(h.eval("return redis.log(redis.LOG_WARNING, 'hello', 'world')") == .null)
        #expect(logged.count == 1 && logged[0].0 == 3 && logged[0].1 == "hello world")
        #expect(h.eval("return redis.replicate_commands()") == .integer(1))
    }
}

@Suite("Lua to reply: pathological values") struct PathologicalReplyTests {
    let h = Harness()

    /// Depth of nested one-element arrays in a reply tree, and whether it ends in an error.
    private func depth(_ r: ScriptReply) -> (Int, Bool) {
        var d = 0
        var cur = r
        while case .array(let items) = cur, let first = items.first {
            d += 1
            cur = first
        }
        if case .error = cur { return (d, true) }
        return (d, false)
    }

    @Test("a self-referencing table ends in a stack-limit error instead of recursing forever") func cyclic() {
        let (d, endsInError) = depth(h.eval("local t = {} t[1] = t return t"))
        #expect(d == 128 && endsInError)
        #expect(h.eval("return 1") == .integer(1))
    }

    @Test("redis.call with many arguments (the reused argv grows)") func manyArguments() {
        _ = h.eval("redis.call('set','k50','x'); return 1")
        #expect(
            h.eval("local t = {} for i = 1, 100 do t[i] = 'k' .. i end return redis.call('del', unpack(t))")
                == .integer(1))
        #expect(h.host.calls.last?.count == 101)
    }
}
