import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
// Pub/sub and keyspace notifications in-process: two sessions on one engine with a manual
// clock, so delivery into another client's outbox, lazy and active expiry events, and the
// pubsub output limits are checked without sockets or sleeps.
import Testing

@testable import LatchkeyCommands

@Suite("Pub/sub") struct PubSubCommandsTests {
    /// What `session` has waiting in its outbox (pushes delivered while it was not reading).
    func pending(_ t: Transcript, _ s: RESPSession) -> [RESPValue] {
        let out = s.client.info.outbox.bytes
        s.client.info.outbox.bytes.removeAll()
        return (try? RESPReplyParser.parseAll(out)) ?? [.err("UNPARSEABLE")]
    }

    func message(_ kind: String, _ parts: String...) -> RESPValue { .array([bulk(kind)] + parts.map { bulk($0) }) }

    @Test("PUBLISH delivers into another client's outbox and marks it dirty") func publishToOther() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        #expect(t.send(["SUBSCRIBE", "news"], on: listener) == .array([bulk("subscribe"), bulk("news"), int(1)]))
        t.context.flushQueue.drain()  // no writers here: this only empties the queue
        #expect(t.send("PUBLISH", "news", "hello") == int(1))
        #expect(t.context.flushQueue.pending.contains { $0 === listener.client.info.outbox })
        #expect(pending(t, listener) == [message("message", "news", "hello")])
        #expect(t.send("PUBLISH", "other", "x") == int(0))
    }

    @Test("SUBSCRIBE - RESP2 subscribed mode refuses other commands; PING answers pong") func subscribedMode() {
        let t = Transcript()
        t.send("SUBSCRIBE", "c")
        #expect(
            t.send("GET", "x")
                == err(
                    "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                ))
        #expect(t.send("PING") == .array([bulk("pong"), bulk("")]))
        #expect(t.send("RESET") == .simpleString(Bytes("RESET".utf8)))
        #expect(t.send("GET", "x") == NIL)
    }

    @Test("PUBLISH to itself in RESP3: the push comes before the reply") func resp3SelfPublish() {
        let t = Transcript()
        t.send("HELLO", "3")
        t.send("SUBSCRIBE", "me")
        let replies = t.raw(Transcript.encode(["PUBLISH", "me", "x"]))
        #expect(replies == [.push([bulk("message"), bulk("me"), bulk("x")]), int(1)])
    }

    @Test("Lazy expiry publishes expired, then GET's keymiss") func lazyExpiredEvent() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        t.send("CONFIG", "SET", "notify-keyspace-events", "Exm")
        t.send(["PSUBSCRIBE", "__keyevent@0__:*"], on: listener)
        t.send("SET", "k", "v", "PX", "100")
        t.advance(ms: 150)
        #expect(t.send("GET", "k") == NIL)
        #expect(
            pending(t, listener) == [
                message("pmessage", "__keyevent@0__:*", "__keyevent@0__:expired", "k"),
                message("pmessage", "__keyevent@0__:*", "__keyevent@0__:keymiss", "k"),
            ])
    }

    @Test("Active expiry publishes expired on the keyspace channel") func activeExpiredEvent() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        t.send("CONFIG", "SET", "notify-keyspace-events", "Kx")
        t.send(["SUBSCRIBE", "__keyspace@0__:lock"], on: listener)
        t.send("SET", "lock", "v", "PX", "100")
        t.advance(ms: 150)
        t.engine.cron()
        #expect(pending(t, listener) == [message("message", "__keyspace@0__:lock", "expired")])
    }

    @Test("Notifications are off by default and with K/E missing") func notificationsOff() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        t.send(["PSUBSCRIBE", "*"], on: listener)
        t.send("SET", "k", "v")
        t.send("CONFIG", "SET", "notify-keyspace-events", "g$")
        t.send("DEL", "k")
        #expect(pending(t, listener).isEmpty)
    }

    @Test("A listener past the pubsub hard limit is closed and gets nothing more") func hardLimit() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        t.send("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1kb 0 0")
        t.send(["SUBSCRIBE", "c"], on: listener)
        let big = String(repeating: "x", count: 600)
        #expect(t.send("PUBLISH", "c", big) == int(1))
        #expect(t.send("PUBLISH", "c", big) == int(1))  // counted as a receiver, as Redis
        let outbox = listener.client.info.outbox
        #expect(outbox.discardAndClose)
        #expect(outbox.bytes.count < 1024)
        t.send("PUBLISH", "c", "more")
        #expect(outbox.bytes.count < 1024)
    }

    @Test("The soft limit closes only after soft-seconds over it") func softLimit() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        t.send("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1kb 2")
        t.send(["SUBSCRIBE", "c"], on: listener)
        let big = String(repeating: "x", count: 1200)
        t.send("PUBLISH", "c", big)
        t.advance(ms: 1500)
        t.send("PUBLISH", "c", "a")
        #expect(!listener.client.info.outbox.discardAndClose)
        t.advance(ms: 1000)
        t.send("PUBLISH", "c", "b")
        #expect(listener.client.info.outbox.discardAndClose)
    }

    @Test("A subscriber is exempt from the idle timeout while subscribed, as in Redis") func idleTimeoutExemption() {
        let t = Transcript()
        t.send("SUBSCRIBE", "a")
        t.send("SSUBSCRIBE", "s")
        #expect(t.info.exemptFromIdleTimeout)
        t.send("UNSUBSCRIBE")
        #expect(t.info.exemptFromIdleTimeout)  // still has a shard channel
        t.send("SUNSUBSCRIBE")
        #expect(!t.info.exemptFromIdleTimeout)
        t.send("PSUBSCRIBE", "p*")
        t.send("RESET")
        #expect(!t.info.exemptFromIdleTimeout)
    }

    @Test("A closed connection leaves no subscriptions behind") func disconnectUnsubscribes() {
        let t = Transcript()
        let (_, listener) = Transcript.connect(t.engine, t.context)
        t.send(["SUBSCRIBE", "a", "b"], on: listener)
        t.send(["PSUBSCRIBE", "p*"], on: listener)
        listener.connectionClosed()
        #expect(t.send("PUBSUB", "NUMSUB", "a", "b") == .array([bulk("a"), int(0), bulk("b"), int(0)]))
        #expect(t.send("PUBSUB", "NUMPAT") == int(0))
        #expect(t.send("PUBLISH", "a", "x") == int(0))
    }

    @Test("INFO commandstats and errorstats count calls, rejections and failures") func commandStats() {
        let t = Transcript()
        t.send("SET", "k", "abc")
        t.send("INCR", "k")
        t.send("GET")
        guard case .bulkString(let text) = t.send("INFO", "commandstats", "errorstats") else {
            Issue.record("INFO is not a bulk string")
            return
        }
        let s = text.string
        #expect(s.contains("cmdstat_set:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0"))
        #expect(s.contains("cmdstat_incr:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1"))
        #expect(s.contains("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"))
        #expect(s.contains("errorstat_ERR:count=2"))
        #expect(!s.contains("cmdstat_info"))
    }
}

@Suite("Pub/sub configuration formats") struct PubSubConfigTests {
    @Test("notify-keyspace-events parses Redis's letters and echoes them canonically") func keyspaceEventFlags() {
        let cases: [(String, String)] = [
            ("KEA", "AKE"), ("gx$Kmn", "g$xnKm"), ("Ex", "xE"), ("", ""), ("zzz", "z"), ("A", "A"), ("An", "An"),
        ]
        for (input, echo) in cases { #expect(KeyspaceEventFlags(parsing: input)?.canonical == echo, "\(input)") }
        #expect(KeyspaceEventFlags(parsing: "Kq") == nil)
        let c = Config()
        #expect(c.set("notify-keyspace-events", "K E") == "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    }

    @Test("client-output-buffer-limit merges classes and checks every group first") func outputBufferLimits() {
        let c = Config()
        #expect(c.set("client-output-buffer-limit", "pubsub 1mb 2k 5") == nil)
        #expect(
            c.string(.clientOutputBufferLimit) == "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 5")
        #expect(
            c.set("client-output-buffer-limit", "replica 1 2 3 foo 1 2 3")
                == "Invalid client class specified in buffer limit configuration.")
        #expect(
            c.set("client-output-buffer-limit", "pubsub 1 2")
                == "Wrong number of arguments in buffer limit configuration.")
        #expect(
            c.set("client-output-buffer-limit", "pubsub 99999999999999gb 0 0")
                == "Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        #expect(
            OutputBufferLimits.limits(of: "pubsub", in: c.string(.clientOutputBufferLimit))
                == OutputBufferLimits(hard: 1_048_576, soft: 2000, softSeconds: 5))
    }
}
