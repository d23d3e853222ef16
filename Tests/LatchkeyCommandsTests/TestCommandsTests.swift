import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
// LATCHKEY (TestCommands.swift) as transcripts: the refusal, the clock and expiry that follows
// it, the journal records a clock move and a RESET leave. Sockets and the AMQP side are in
// Tests/Interop/fixture.
import Testing

@testable import LatchkeyCommands

@Suite("LATCHKEY test commands") struct TestCommandsTests {
    static func enabled(_ value: String = "yes") -> Transcript {
        let config = Config()
        config.set("enable-test-commands", value)
        return Transcript(config: config)
    }

    @Test("LATCHKEY - refused by default with Redis's enable-debug-command wording; HELP answers") func refused() {
        let t = Transcript()
        #expect(t.send("LATCHKEY", "CLOCK", "GET") == err(TestCommands.notAllowed))
        #expect(t.send("LATCHKEY", "RESET") == err(TestCommands.notAllowed))
        guard case .array(let lines) = t.send("LATCHKEY", "HELP") else {
            Issue.record("HELP")
            return
        }
        #expect(lines.first == .status("LATCHKEY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
        #expect(t.send("LATCHKEY", "NOPE") == err("ERR unknown subcommand 'NOPE'. Try LATCHKEY HELP."))
    }

    @Test("LATCHKEY local - loopback clients only") func local() {
        let t = TestCommandsTests.enabled("local")
        #expect(t.send("LATCHKEY", "CLOCK", "GET") == int(t.clock.now))
        let remote = ClientInfo(
            id: t.context.allocateClientID(), kind: .resp, peerAddress: "10.0.0.9:5000", localAddress: "10.0.0.1:6379",
            isLoopback: false, outbox: Outbox(queue: t.context.flushQueue), nowMs: 0)
        let s = t.engine.makeSession(client: remote) as! RESPSession
        #expect(t.raw(Transcript.encode(["LATCHKEY", "CLOCK", "GET"]), session: s) == [err(TestCommands.notAllowed)])
    }

    @Test("LATCHKEY CLOCK ADVANCE - keys expire before the reply, journaled as deletes; TTL follows") func advance() {
        let t = TestCommandsTests.enabled()
        let now = t.clock.now
        t.send("SET", "short", "v", "PX", "1000")
        t.send("SET", "long", "v", "EX", "100")
        _ = t.journal.take()
        #expect(t.send("LATCHKEY", "CLOCK", "ADVANCE", "1000") == int(now + 1000))
        #expect(t.journal.take() == [.delete(db: 0, key: Bytes("short".utf8))])
        #expect(t.send("DBSIZE") == int(1))
        #expect(t.send("TTL", "long") == int(99))
        #expect(t.send("LATCHKEY", "CLOCK", "ADVANCE", "-5") == err(TestCommands.backwards))
        #expect(t.send("LATCHKEY", "CLOCK", "ADVANCE", "x") == err("ERR value is not an integer or out of range"))
        #expect(t.send("LATCHKEY", "CLOCK", "ADVANCE", "9223372036854775807") == err(TestCommands.outOfRange))
        #expect(t.send("LATCHKEY", "CLOCK", "SET", String(now)) == err(TestCommands.backwards))
        #expect(t.send("LATCHKEY", "CLOCK", "SET", String(now + 5000)) == int(now + 5000))
        #expect(t.send("LATCHKEY", "CLOCK") == err("ERR wrong number of arguments for 'latchkey|clock' command"))
        #expect(
            t.send("LATCHKEY", "CLOCK", "GET", "extra")
                == err("ERR wrong number of arguments for 'latchkey|clock' command"))
    }

    @Test("LATCHKEY CLOCK FREEZE - the real clock moving does not move it") func freeze() {
        let t = TestCommandsTests.enabled()
        let now = t.clock.now
        #expect(t.send("LATCHKEY", "CLOCK", "FREEZE") == OK)
        t.clock.advance(ms: 60_000)
        t.send("SET", "k", "v", "PX", "10")
        #expect(t.send("PTTL", "k") == int(10))
        #expect(t.send("LATCHKEY", "CLOCK", "GET") == int(now))
        #expect(t.send("LATCHKEY", "CLOCK", "RESUME") == OK)
        #expect(t.send("LATCHKEY", "CLOCK", "GET") == int(now + 60_000))
        #expect(t.send("GET", "k") == .null)
    }

    @Test("LATCHKEY RESET - every db flushed, scripts gone, clock real, journaled as FLUSHALL") func reset() {
        let t = TestCommandsTests.enabled()
        t.send("SET", "a", "1")
        t.send("SELECT", "3")
        t.send("SET", "b", "1")
        guard case .bulkString(let sha) = t.send("SCRIPT", "LOAD", "return 1") else {
            Issue.record("LOAD")
            return
        }
        t.send("LATCHKEY", "CLOCK", "ADVANCE", "86400000")
        var hookRan = false
        t.context.resetHooks.append { hookRan = true }
        _ = t.journal.take()
        #expect(t.send("LATCHKEY", "RESET") == OK)
        #expect(t.journal.take() == [.flushAll])
        #expect(hookRan)
        #expect(t.send("DBSIZE") == int(0))
        t.send("SELECT", "0")
        #expect(t.send("DBSIZE") == int(0))
        #expect(t.send("SCRIPT", "EXISTS", sha.string) == .array([int(0)]))
        #expect(t.send("LATCHKEY", "CLOCK", "GET") == int(t.clock.now))
    }

    @Test("LATCHKEY - not allowed from scripts") func fromScript() {
        let t = TestCommandsTests.enabled()
        guard case .error(let e) = t.send("EVAL", "return redis.call('LATCHKEY', 'CLOCK', 'GET')", "0") else {
            Issue.record("EVAL ran LATCHKEY")
            return
        }
        #expect(e.string.hasPrefix("ERR This Redis command is not allowed from script"))
    }
}
