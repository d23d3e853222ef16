// In-process regressions for issue 16's RESP items: the log record size gate, the output budget
// checked after every command of a pipeline, start-only directives refused by CONFIG SET,
// extreme limits that never trap, and CLIENT KILL filters that match nobody.
import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("Hardening (issue 16)") struct HardeningCommandsTests {
    let failed = "ERR CONFIG SET failed (possibly related to argument "

    @Test("SET - refused before any change when its log record would pass aof-max-record-size") func recordSizeGate() {
        let config = Config()
        config.set("aof-max-record-size", "1mb")
        let t = Transcript(config: config)
        let key = String(repeating: "k", count: 600 * 1024)
        let value = String(repeating: "v", count: 600 * 1024)
        #expect(t.send("SET", key, value) == err(ErrorReplies.writeTooLargeForLog))
        #expect(t.journal.take().isEmpty)
        #expect(t.send("DBSIZE") == int(0))
        #expect(t.send("SET", "k", value) == OK)
        #expect(t.send("MULTI") == OK)
        #expect(t.send("SET", key, value) == err(ErrorReplies.writeTooLargeForLog))
        #expect(t.send("EXEC") == err("EXECABORT Transaction discarded because of previous errors."))
        #expect(t.send("CONFIG", "SET", "aof-max-record-size", "2mb") == OK)
        #expect(t.send("SET", key, value) == OK)
        // Without the log there is nothing to protect.
        let off = Transcript(config: config, journal: false)
        #expect(off.send("SET", key, value) == OK)
    }

    @Test("pipeline - execution stops at the command whose reply passes the output budget") func outputBudget() {
        let t = Transcript()
        let value = String(repeating: "x", count: 1 << 20)
        #expect(t.send("SET", "big", value) == OK)
        t.info.outbox.outputBudget = (2 << 20) + (1 << 19)
        var pipeline = Bytes()
        for _ in 0..<100 { pipeline += Transcript.encode(["GET", "big"]) }
        pipeline += Transcript.encode(["SET", "after", "1"])
        let replies = t.raw(pipeline)
        #expect(replies.count == 3)  // 1 MB, 2 MB, then 3 MB > 2.5 MB: stop
        t.info.outbox.outputBudget = Int.max
        #expect(t.send("EXISTS", "after") == int(0))  // nothing after the stop ran
    }

    @Test("CONFIG SET - start-only directives are refused, so an OK is always true") func startOnly() {
        let t = Transcript()
        // No server here to switch the log on (the live switch is the server's): refused.
        #expect(
            t.send("CONFIG", "SET", "appendonly", "yes") == err(failed + "'appendonly') - can't set immutable config"))
        #expect(t.send("CONFIG", "SET", "appendonly", "no") == OK)  // no change
        #expect(
            t.send("CONFIG", "SET", "amqp-max-message-size", "1mb")
                == err(failed + "'amqp-max-message-size') - can't set immutable config"))
        #expect(
            t.send("CONFIG", "SET", "amqp-queued-memory-limit", "1mb")
                == err(failed + "'amqp-queued-memory-limit') - can't set immutable config"))
        #expect(t.send("CONFIG", "GET", "appendonly") == .array([bulk("appendonly"), bulk("no")]))
    }

    @Test("CONFIG SET - extreme limits never trap; requests still parse") func extremeLimits() {
        let t = Transcript()
        #expect(
            t.send("CONFIG", "SET", "proto-max-bulk-len", "9999999999999999gb")
                == err(
                    failed
                        + "'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"))
        #expect(
            t.send("CONFIG", "SET", "proto-max-inline-len", "0")
                == err(
                    failed + "'proto-max-inline-len') - argument must be between 1024 and 9223372036854775807 inclusive"
                ))
        #expect(t.send("CONFIG", "SET", "proto-max-inline-len", "9223372036854775807") == OK)
        #expect(t.send("CONFIG", "SET", "proto-max-bulk-len", "9223372036854775807") == OK)
        #expect(t.raw(Bytes("PING\r\n".utf8)) == [.status("PONG")])
        #expect(t.raw(Bytes("*1\r\n$9223372036854775807\r\n".utf8), unconsumed: 26).isEmpty)
    }

    @Test("CLIENT KILL - TYPE/USER filters match nobody they should not") func clientKillFilters() {
        let t = Transcript()
        let (_, other) = Transcript.connect(t.engine, t.context)
        #expect(t.send("CLIENT", "KILL", "TYPE", "pubsub") == int(0))
        #expect(t.send("CLIENT", "KILL", "TYPE", "master") == int(0))
        #expect(t.send("CLIENT", "KILL", "USER", "x") == err("ERR No such user 'x'"))
        #expect(t.send("CLIENT", "KILL", "MAXAGE", "1") == err("ERR syntax error"))
        #expect(!other.client.info.outbox.closeAfterFlush && !other.client.info.outbox.isClosed)
        #expect(t.send("CLIENT", "LIST", "TYPE", "x") == err("ERR Unknown client type 'x'"))
        #expect(t.send("CLIENT", "LIST", "ID", "abc") == err("ERR Invalid client ID"))
    }
}
