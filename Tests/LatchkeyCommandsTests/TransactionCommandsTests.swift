import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("Transactions") struct TransactionCommandsTests {
    @Test("MULTI queues, EXEC runs in order and returns every reply") func basic() {
        let t = Transcript()
        #expect(t.send("EXEC") == err("ERR EXEC without MULTI"))
        #expect(t.send("DISCARD") == err("ERR DISCARD without MULTI"))
        #expect(t.send("MULTI") == OK)
        #expect(t.send("MULTI") == err("ERR MULTI calls can not be nested"))
        #expect(t.send("SET", "a", "1") == .status("QUEUED"))
        #expect(t.send("INCR", "a") == .status("QUEUED"))
        #expect(t.send("GET", "missing") == .status("QUEUED"))
        #expect(t.send("WATCH", "a") == err("ERR WATCH inside MULTI is not allowed"))
        #expect(t.send("EXEC") == .array([OK, int(2), NIL]))
        #expect(t.send("GET", "a") == bulk("2"))
    }

    @Test("a command refused while queuing aborts EXEC with EXECABORT") func execAbort() {
        let t = Transcript()
        t.send("MULTI")
        t.send("SET", "a", "1")
        #expect(t.send("FOO") == err("ERR unknown command 'FOO', with args beginning with: "))
        #expect(t.send("GET") == err("ERR wrong number of arguments for 'get' command"))
        #expect(t.send("EXEC") == err("EXECABORT Transaction discarded because of previous errors."))
        #expect(t.send("EXISTS", "a") == int(0))
        t.send("MULTI")
        t.send("SET", "a", "1")
        #expect(t.send("DISCARD") == OK)
        #expect(t.send("EXISTS", "a") == int(0))
    }

    @Test("WATCH: a write by another client makes EXEC return a nil array") func watch() {
        let t = Transcript()
        let (_, other) = Transcript.connect(t.engine, t.context)
        t.send("SET", "counter", "1")
        #expect(t.send("WATCH", "counter") == OK)
        #expect(t.send(["INCR", "counter"], on: other) == int(2))
        t.send("MULTI")
        t.send("SET", "counter", "10")
        #expect(t.raw(Transcript.encode(["EXEC"])) == [.nullArray])
        #expect(t.send("GET", "counter") == bulk("2"))
        // Unwatched after EXEC: the next transaction goes through.
        t.send("WATCH", "counter")
        t.send("MULTI")
        t.send("SET", "counter", "10")
        #expect(t.send("EXEC") == .array([OK]))
        // UNWATCH forgets; FLUSHALL touches every watcher.
        t.send("WATCH", "counter")
        #expect(t.send("UNWATCH") == OK)
        t.send(["SET", "counter", "0"], on: other)
        t.send("MULTI")
        t.send("PING")
        #expect(t.send("EXEC") == .array([.status("PONG")]))
        t.send("WATCH", "x")
        t.send(["FLUSHALL"], on: other)
        t.send("MULTI")
        t.send("PING")
        #expect(t.raw(Transcript.encode(["EXEC"])) == [.nullArray])
    }

    @Test("RESP3 EXEC abort by WATCH is _") func resp3() {
        let t = Transcript()
        let (_, other) = Transcript.connect(t.engine, t.context)
        t.send("HELLO", "3")
        t.send("WATCH", "k")
        t.send(["SET", "k", "v"], on: other)
        t.send("MULTI")
        #expect(t.raw(Transcript.encode(["EXEC"])) == [.null])
    }
}
