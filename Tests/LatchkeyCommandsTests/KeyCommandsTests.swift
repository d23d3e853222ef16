import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("Key commands") struct KeyCommandsTests {
    @Test("DEL counts removed keys once; EXISTS counts repeats; UNLINK is DEL") func delExists() {
        let t = Transcript()
        t.send("SET", "a", "1")
        t.send("SET", "b", "2")
        #expect(t.send("EXISTS", "a", "a", "nokey") == int(2))
        #expect(t.send("DEL", "a", "a", "nokey") == int(1))
        #expect(t.send("UNLINK", "b", "c") == int(1))
        #expect(t.send("DEL") == err("ERR wrong number of arguments for 'del' command"))
    }

    @Test("EXPIRE NX XX GT LT follow Redis's rules") func expireOptions() {
        let t = Transcript()
        t.send("SET", "k", "v")
        #expect(t.send("EXPIRE", "k", "100", "XX") == int(0))
        #expect(t.send("EXPIRE", "k", "100", "GT") == int(0))
        #expect(t.send("EXPIRE", "k", "100", "LT") == int(1))
        #expect(t.send("EXPIRE", "k", "50", "NX") == int(0))
        #expect(t.send("EXPIRE", "k", "200", "GT") == int(1))
        #expect(t.send("EXPIRE", "k", "300", "LT") == int(0))
        #expect(t.send("TTL", "k") == int(200))
        #expect(
            t.send("EXPIRE", "k", "10", "NX", "XX")
                == err("ERR NX and XX, GT or LT options at the same time are not compatible"))
        #expect(
            t.send("EXPIRE", "k", "10", "GT", "LT") == err("ERR GT and LT options at the same time are not compatible"))
        #expect(t.send("EXPIRE", "k", "10", "FOO") == err("ERR Unsupported option FOO"))
        #expect(t.send("EXPIRE", "k", "9999999999999999") == err("ERR invalid expire time in 'expire' command"))
        #expect(t.send("PEXPIRE", "k", "9223372036854775807") == err("ERR invalid expire time in 'pexpire' command"))
        #expect(t.send("EXPIRE", "missing", "10") == int(0))
        #expect(t.send("EXPIRE", "k", "0") == int(1))
        #expect(t.send("EXISTS", "k") == int(0))
    }

    @Test("TTL, PTTL, EXPIRETIME, PERSIST report -1 and -2") func ttls() {
        let t = Transcript()
        #expect(t.send("TTL", "none") == int(-2))
        #expect(t.send("PEXPIRETIME", "none") == int(-2))
        t.send("SET", "k", "v")
        #expect(t.send("PTTL", "k") == int(-1))
        #expect(t.send("PERSIST", "k") == int(0))
        let at = t.clock.now + 12_345
        #expect(t.send("PEXPIREAT", "k", String(at)) == int(1))
        #expect(t.send("PEXPIRETIME", "k") == int(at))
        #expect(t.send("PTTL", "k") == int(12_345))
        #expect(t.send("TTL", "k") == int(12))
        #expect(t.send("PERSIST", "k") == int(1))
        #expect(t.send("TTL", "k") == int(-1))
        // The largest deadline Redis accepts, and its rounding (checked against redis-server 7.0).
        #expect(t.send("PEXPIREAT", "k", "9223372036854775807") == int(1))
        #expect(t.send("EXPIRETIME", "k") == int(9_223_372_036_854_776))
        #expect(t.send("EXPIREAT", "k", "9223372036854776") == err("ERR invalid expire time in 'expireat' command"))
    }

    @Test("TYPE, KEYS, SCAN, DBSIZE, FLUSHDB, FLUSHALL") func scanning() {
        let t = Transcript()
        t.send("SET", "lock:1", "a")
        t.send("SET", "lock:2", "b")
        t.send("SET", "other", "c")
        #expect(t.send("TYPE", "lock:1") == .status("string"))
        #expect(t.send("TYPE", "nope") == .status("none"))
        guard case .array(let keys) = t.send("KEYS", "lock:*") else {
            Issue.record("KEYS")
            return
        }
        #expect(Set(keys.map(\.debugText)) == ["\"lock:1\"", "\"lock:2\""])
        #expect(t.send("DBSIZE") == int(3))
        guard case .array(let page) = t.send("SCAN", "0", "MATCH", "lock:*", "COUNT", "1000") else {
            Issue.record("SCAN")
            return
        }
        #expect(page.first == bulk("0"))
        #expect(t.send("SCAN", "x") == err("ERR invalid cursor"))
        guard case .array(let wrapped) = t.send("SCAN", "-1"), wrapped.count == 2 else {
            Issue.record("SCAN -1 is a (huge) cursor, as strtoul reads it")
            return
        }
        #expect(t.send("SCAN", "0", "COUNT", "0") == err("ERR syntax error"))
        #expect(t.send("FLUSHDB", "foo") == err("ERR syntax error"))
        t.send("SELECT", "1")
        t.send("SET", "x", "1")
        #expect(t.send("FLUSHDB") == OK)
        #expect(t.send("DBSIZE") == int(0))
        t.send("SELECT", "0")
        #expect(t.send("DBSIZE") == int(3))
        #expect(t.send("FLUSHALL", "SYNC") == OK)
        #expect(t.send("DBSIZE") == int(0))
    }

    @Test("the active expiry cron journals expired keys as deletes") func cron() {
        let t = Transcript()
        t.send("SET", "k", "v", "PX", "10")
        _ = t.journal.take()
        t.advance(ms: 11)
        t.engine.cron()
        #expect(t.journal.take() == [.delete(db: 0, key: Bytes("k".utf8))])
        #expect(t.context.stats.expiredKeys == 1)
    }

    @Test("replay rebuilds the keyspace and drops deadlines that passed") func replay() {
        let t = Transcript()
        let now = t.clock.now
        t.engine.replay(.set(db: 0, key: Bytes("a".utf8), value: Bytes("1".utf8), expireAtMs: 0))
        t.engine.replay(.set(db: 2, key: Bytes("b".utf8), value: Bytes("2".utf8), expireAtMs: now + 1000))
        t.engine.replay(.set(db: 0, key: Bytes("old".utf8), value: Bytes("x".utf8), expireAtMs: now - 1))
        t.engine.replay(.expireAt(db: 0, key: Bytes("a".utf8), atMs: now + 5000))
        t.engine.replay(.delete(db: 0, key: Bytes("zzz".utf8)))
        #expect(t.send("PTTL", "a") == int(5000))
        #expect(t.send("EXISTS", "old") == int(0))
        t.send("SELECT", "2")
        #expect(t.send("GET", "b") == bulk("2"))
        t.engine.replay(.flushAll)
        #expect(t.send("DBSIZE") == int(0))
    }
}
