import LatchkeyCore
import LatchkeyLog
import LatchkeyRESP
import LatchkeyTestSupport
// Blocking pops through in-process sessions with a manual clock: timeouts follow the server
// clock (cron after the clock moves), 0 waits forever, FIFO wake order per key, a push inside
// MULTI wakes waiters after EXEC and is journaled before the pop, CLIENT UNBLOCK, disconnects.
import Testing

@testable import LatchkeyCommands

@Suite("List blocking") struct ListBlockingTests {
    /// Sends a command that may block: returns the replies produced now (none when it blocked).
    func sendBlocking(_ t: Transcript, _ s: RESPSession, _ args: String...) -> [RESPValue] {
        t.context.refreshNow()
        let bytes = Transcript.encode(args)
        _ = bytes.withUnsafeBytes { s.receive($0) }
        return pending(s)
    }

    /// Replies written into a session's outbox since the last look.
    func pending(_ s: RESPSession) -> [RESPValue] {
        let out = s.client.info.outbox.bytes
        s.client.info.outbox.bytes.removeAll()
        return (try? RESPReplyParser.parseAll(out)) ?? [.err("UNPARSEABLE")]
    }

    @Test("BLPOP - a fractional timeout expires when the server clock passes it, not before") func timeoutFollowsClock()
    {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        #expect(sendBlocking(t, b, "BLPOP", "q", "1.5").isEmpty)
        #expect(t.engine.blockedClientCount == 1)
        t.advance(ms: 1499)
        t.engine.cron()
        #expect(pending(b).isEmpty)
        t.advance(ms: 1)
        t.engine.cron()
        #expect(pending(b) == [.nullArray])
        #expect(t.engine.blockedClientCount == 0)
    }

    @Test("BLPOP - timeout 0 waits forever, and the next push serves it") func zeroIsForever() {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        #expect(sendBlocking(t, b, "BRPOP", "q", "0").isEmpty)
        t.advance(ms: 30 * 86_400_000)
        t.engine.cron()
        #expect(pending(b).isEmpty)
        #expect(t.send("RPUSH", "q", "x") == int(1))
        #expect(pending(b) == [.array([bulk("q"), bulk("x")])])
        #expect(t.send("EXISTS", "q") == int(0))
    }

    @Test("BLPOP - waiters on one key are served oldest first, one element each") func fifo() {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        let (_, c) = Transcript.connect(t.engine, t.context)
        #expect(sendBlocking(t, b, "BLPOP", "q", "0").isEmpty)
        #expect(sendBlocking(t, c, "BLPOP", "other", "q", "0").isEmpty)
        #expect(t.send("RPUSH", "q", "1") == int(1))
        #expect(pending(b) == [.array([bulk("q"), bulk("1")])])
        #expect(pending(c).isEmpty)
        #expect(t.send("RPUSH", "q", "2", "3") == int(2))
        #expect(pending(c) == [.array([bulk("q"), bulk("2")])])
        #expect(t.send("LRANGE", "q", "0", "-1") == .array([bulk("3")]))
    }

    @Test("BLPOP - a push inside MULTI wakes the waiter after EXEC; the log has the push before the pop")
    func multiWakesAfterExec() {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        #expect(sendBlocking(t, b, "BLPOP", "q", "0").isEmpty)
        _ = t.journal.take()
        #expect(t.send("MULTI") == OK)
        #expect(t.send("RPUSH", "q", "a") == .simpleString(Bytes("QUEUED".utf8)))
        #expect(t.send("LLEN", "q") == .simpleString(Bytes("QUEUED".utf8)))
        // Inside EXEC the waiter has not run yet: LLEN still sees the element.
        #expect(t.send("EXEC") == .array([int(1), int(1)]))
        #expect(pending(b) == [.array([bulk("q"), bulk("a")])])
        #expect(
            t.journal.take() == [
                .listPush(db: 0, key: Bytes("q".utf8), atHead: false, elements: [Bytes("a".utf8)]),
                .listPop(db: 0, key: Bytes("q".utf8), atHead: true, count: 1),
            ])
    }

    @Test("BLMOVE - inside MULTI an empty source answers nil at once instead of blocking") func noBlockingInMulti() {
        let t = Transcript()
        #expect(t.send("MULTI") == OK)
        _ = t.send("BLMOVE", "none", "d", "LEFT", "LEFT", "0")
        _ = t.send("BLPOP", "none", "0")
        #expect(t.send("EXEC") == .array([NIL, .nullArray]))
        #expect(t.engine.blockedClientCount == 0)
    }

    @Test("CLIENT UNBLOCK - TIMEOUT answers nil, ERROR answers -UNBLOCKED, an idle client gives 0") func clientUnblock()
    {
        let t = Transcript()
        let (info, b) = Transcript.connect(t.engine, t.context)
        #expect(sendBlocking(t, b, "BLPOP", "q", "0").isEmpty)
        #expect(ClientCommands.describe(info, engine: t.engine, now: t.context.nowMs).contains(" flags=b "))
        #expect(t.send("CLIENT", "UNBLOCK", "\(info.id)") == int(1))
        #expect(ClientCommands.describe(info, engine: t.engine, now: t.context.nowMs).contains(" flags=N "))
        #expect(pending(b) == [.nullArray])
        #expect(sendBlocking(t, b, "BLMOVE", "q", "d", "LEFT", "RIGHT", "0").isEmpty)
        #expect(t.send("CLIENT", "UNBLOCK", "\(info.id)", "ERROR") == int(1))
        #expect(pending(b) == [err("UNBLOCKED client unblocked via CLIENT UNBLOCK")])
        #expect(t.send("CLIENT", "UNBLOCK", "\(info.id)") == int(0))
        #expect(t.send("CLIENT", "UNBLOCK", "\(info.id)", "LATER") == err(ErrorReplies.unblockReason))
    }

    @Test("BLPOP - a client that disconnects while blocked is forgotten; the push stays in the list") func disconnect()
    {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        #expect(sendBlocking(t, b, "BLPOP", "q", "0").isEmpty)
        b.connectionClosed()
        #expect(t.engine.blockedClientCount == 0)
        #expect(t.send("RPUSH", "q", "x") == int(1))
        #expect(t.send("LLEN", "q") == int(1))
    }

    @Test("BLPOP - commands pipelined behind a blocking one are left unread until it is served")
    func pipelinedAfterBlock() {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        let bytes = Transcript.encode(["BLPOP", "q", "0"]) + Transcript.encode(["PING"])
        let used = bytes.withUnsafeBytes { b.receive($0) }
        #expect(used == Transcript.encode(["BLPOP", "q", "0"]).count)
        #expect(pending(b).isEmpty)
        // While blocked, offered input is not consumed.
        let again = Transcript.encode(["PING"])
        #expect(again.withUnsafeBytes { b.receive($0) } == 0)
        // Served: the outbox asks the server to offer the unread bytes again.
        #expect(!b.client.info.outbox.wantsInputRedelivery)
        #expect(t.send("RPUSH", "q", "x") == int(1))
        #expect(b.client.info.outbox.wantsInputRedelivery)
        #expect(again.withUnsafeBytes { b.receive($0) } == again.count)
        #expect(pending(b) == [.array([bulk("q"), bulk("x")]), .simpleString(Bytes("PONG".utf8))])
    }
}

@Suite("List blocking and WATCH") struct ListBlockingWatchTests {
    @Test("BLMOVE - a served move touches the WATCHed destination, so the watcher's EXEC aborts")
    func servedMoveTouchesWatchers() {
        let t = Transcript()
        let (_, b) = Transcript.connect(t.engine, t.context)
        let (_, w) = Transcript.connect(t.engine, t.context)
        _ = t.send(["WATCH", "dst"], on: w)
        t.context.refreshNow()
        _ = Transcript.encode(["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]).withUnsafeBytes { b.receive($0) }
        #expect(t.send("RPUSH", "src", "x") == int(1))  // names src only; the served move writes dst
        #expect(t.send("LRANGE", "dst", "0", "-1") == .array([bulk("x")]))
        _ = t.send(["MULTI"], on: w)
        _ = t.send(["LLEN", "dst"], on: w)
        #expect(t.send(["EXEC"], on: w) == .nullArray)
    }
}
