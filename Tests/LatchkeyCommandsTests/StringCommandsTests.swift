import LatchkeyCore
import LatchkeyLog
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("String commands") struct StringCommandsTests {
    @Test("SET NX PX acquires a lock once; after the deadline GET is nil") func lockLifecycle() {
        let t = Transcript()
        #expect(t.send("SET", "lock", "a", "NX", "PX", "100") == OK)
        #expect(t.send("SET", "lock", "b", "NX", "PX", "100") == NIL)
        #expect(t.send("GET", "lock") == bulk("a"))
        t.advance(ms: 99)
        #expect(t.send("PTTL", "lock") == int(1))
        t.advance(ms: 1)
        #expect(t.send("GET", "lock") == NIL)
        #expect(t.send("SET", "lock", "b", "NX", "PX", "100") == OK)
    }

    @Test("SET XX only replaces; GET returns the old value; NX GET does not set") func conditions() {
        let t = Transcript()
        #expect(t.send("SET", "k", "v", "XX") == NIL)
        #expect(t.send("SET", "k", "v1") == OK)
        #expect(t.send("SET", "k", "v2", "XX", "GET") == bulk("v1"))
        #expect(t.send("SET", "k", "v3", "NX", "GET") == bulk("v2"))
        #expect(t.send("GET", "k") == bulk("v2"))
        #expect(t.send("SET", "new", "x", "GET") == NIL)
        #expect(t.send("GETSET", "new", "y") == bulk("x"))
    }

    @Test("SET - a repeated identical option is accepted and the last value wins, as in Redis") func repeatedOptions() {
        let t = Transcript()
        #expect(t.send("SET", "k", "v", "EX", "10", "EX", "10") == OK)
        #expect(t.send("SET", "k", "v", "ex", "abc", "EX", "20") == OK)
        #expect(t.send("TTL", "k") == int(20))
        #expect(t.send("SET", "k", "v", "PX", "10", "PX", "5000") == OK)
        #expect(t.send("SET", "k", "v", "KEEPTTL", "KEEPTTL") == OK)
        #expect(t.send("SET", "k", "w", "GET", "GET") == bulk("v"))
        #expect(t.send("SET", "k", "x", "XX", "XX") == OK)
        #expect(t.send("SET", "k", "y", "EX", "10", "NX", "NX") == NIL)
        #expect(t.send("GET", "k") == bulk("x"))
    }

    @Test("SET option errors use Redis's texts") func optionErrors() {
        let t = Transcript()
        #expect(t.send("SET", "k", "v", "NX", "XX") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "EX", "1", "PX", "1") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "KEEPTTL", "EX", "1") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "EX", "1", "EXAT", "9999999999") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "EX", "10", "EX", "0") == err("ERR invalid expire time in 'set' command"))
        #expect(t.send("SET", "k", "v", "EX") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "FOO") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "EX", "0") == err("ERR invalid expire time in 'set' command"))
        #expect(t.send("SET", "k", "v", "EX", "9999999999999999") == err("ERR invalid expire time in 'set' command"))
        #expect(t.send("SET", "k", "v", "EX", "abc") == err("ERR value is not an integer or out of range"))
        #expect(t.send("SET", "k", "v", "PX", "1.5") == err("ERR value is not an integer or out of range"))
        #expect(t.send("SET", "k") == err("ERR wrong number of arguments for 'set' command"))
        #expect(t.send("SETEX", "k", "0", "v") == err("ERR invalid expire time in 'setex' command"))
        #expect(t.send("PSETEX", "k", "-1", "v") == err("ERR invalid expire time in 'psetex' command"))
    }

    @Test("SET clears the TTL unless KEEPTTL; EXAT/PXAT in the past delete") func ttlHandling() {
        let t = Transcript()
        #expect(t.send("SET", "k", "v", "EX", "100") == OK)
        #expect(t.send("SET", "k", "v2", "KEEPTTL") == OK)
        #expect(t.send("TTL", "k") == int(100))
        #expect(t.send("SET", "k", "v3") == OK)
        #expect(t.send("TTL", "k") == int(-1))
        let past = String(t.clock.now - 1)
        #expect(t.send("SET", "k", "v4", "PXAT", past) == OK)
        #expect(t.send("EXISTS", "k") == int(0))
        let future = String(t.clock.now / 1000 + 50)
        #expect(t.send("SET", "k", "v5", "EXAT", future) == OK)
        #expect(t.send("EXPIRETIME", "k") == int(t.clock.now / 1000 + 50))
    }

    @Test("SETNX, SETEX, PSETEX, GETDEL") func variants() {
        let t = Transcript()
        #expect(t.send("SETNX", "k", "1") == int(1))
        #expect(t.send("SETNX", "k", "2") == int(0))
        #expect(t.send("SETEX", "e", "10", "v") == OK)
        #expect(t.send("PTTL", "e") == int(10_000))
        #expect(t.send("PSETEX", "p", "1500", "v") == OK)
        #expect(t.send("TTL", "p") == int(2))
        #expect(t.send("GETDEL", "k") == bulk("1"))
        #expect(t.send("GETDEL", "k") == NIL)
    }

    @Test("INCR family counts, keeps the TTL, and rejects non-integers and overflow") func counters() {
        let t = Transcript()
        #expect(t.send("INCR", "c") == int(1))
        #expect(t.send("INCRBY", "c", "10") == int(11))
        #expect(t.send("DECR", "c") == int(10))
        #expect(t.send("DECRBY", "c", "20") == int(-10))
        #expect(t.send("PEXPIRE", "c", "5000") == int(1))
        #expect(t.send("INCR", "c") == int(-9))
        #expect(t.send("PTTL", "c") == int(5000))
        #expect(t.send("SET", "s", "abc") == OK)
        #expect(t.send("INCR", "s") == err("ERR value is not an integer or out of range"))
        #expect(t.send("SET", "big", "9223372036854775807") == OK)
        #expect(t.send("INCR", "big") == err("ERR increment or decrement would overflow"))
        #expect(t.send("INCRBY", "c", "1.5") == err("ERR value is not an integer or out of range"))
        #expect(t.send("DECRBY", "c", "-9223372036854775808") == err("ERR decrement would overflow"))
    }

    @Test("writes are journaled with absolute deadlines") func journal() {
        let t = Transcript()
        let now = t.clock.now
        t.send("SET", "k", "v", "EX", "10")
        t.send("PEXPIRE", "k", "500")
        t.send("EXPIRE", "k", "-1")
        t.send("SET", "n", "1")
        t.send("PERSIST", "n")
        t.send("GET", "n")
        #expect(
            t.journal.take() == [
                .set(db: 0, key: Bytes("k".utf8), value: Bytes("v".utf8), expireAtMs: now + 10_000),
                .expireAt(db: 0, key: Bytes("k".utf8), atMs: now + 500), .delete(db: 0, key: Bytes("k".utf8)),
                .set(db: 0, key: Bytes("n".utf8), value: Bytes("1".utf8), expireAtMs: 0),
            ])
    }
}
