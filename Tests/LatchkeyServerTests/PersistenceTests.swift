import LatchkeyCore
import LatchkeyLog
import LatchkeyTestSupport
import Testing

@testable import LatchkeyServer

// The log wiring: OutputHold's ordering rules (held output goes out oldest first, newer output
// of a held client never overtakes it, QUIT's close waits for the held reply), and a live
// server with `appendonly yes` whose journaled writes survive a restart.
#if canImport(Glibc)
import Glibc
#endif

@Suite("Persistence") struct PersistenceTests {
    /// Records every outbox the queue drains, with the bytes it held at that moment.
    final class Recorder: OutboxWriter {
        let outbox: Outbox
        var written: [UInt8] = []
        var closedAfter = false
        init(_ outbox: Outbox) { self.outbox = outbox }
        func flushOutbox() {
            written += outbox.bytes
            outbox.bytes.removeAll()
            if outbox.closeAfterFlush { closedAfter = true }
        }
    }

    func client(_ q: FlushQueue) -> Recorder {
        let r = Recorder(Outbox(queue: q))
        r.outbox.writer = r
        return r
    }

    func say(_ r: Recorder, _ s: String) {
        r.outbox.bytes += Array(s.utf8)
        r.outbox.markDirty()
    }

    @Test("held replies go out only once durable, oldest first, never overtaken") func holdOrder() {
        let q = FlushQueue()
        let hold = OutputHold()
        let a = client(q)
        let other = client(q)
        say(a, "1")
        hold.sweep(q, end: 100, holdNew: true)
        q.drain()
        #expect(a.written.isEmpty)
        // Later tick: nothing new to fsync, but a's older output is held, so "2" waits too;
        // a client with nothing held goes straight out.
        say(a, "2")
        say(other, "x")
        hold.sweep(q, end: 100, holdNew: false)
        q.drain()
        #expect(a.written.isEmpty && other.written == Array("x".utf8))
        say(a, "3")
        hold.sweep(q, end: 150, holdNew: true)
        q.drain()
        hold.release(durable: 120)
        q.drain()
        #expect(a.written == Array("12".utf8))
        hold.release(durable: 150)
        q.drain()
        #expect(a.written == Array("123".utf8))
        #expect(hold.isEmpty)
    }

    @Test("an outbox that asked to reply after the fsync is held even when nothing else is") func holdWaiter() {
        let q = FlushQueue()
        let hold = OutputHold()
        let a = client(q)
        let b = client(q)
        say(a, "confirm")
        say(b, "other")
        hold.sweep(q, end: 40, holdNew: false, waiters: [a.outbox])
        q.drain()
        #expect(a.written.isEmpty && b.written == Array("other".utf8))
        hold.release(durable: 40)
        q.drain()
        #expect(a.written == Array("confirm".utf8))
    }

    @Test("close-after-flush waits for the held reply") func holdQuit() {
        let q = FlushQueue()
        let hold = OutputHold()
        let a = client(q)
        say(a, "+OK\r\n")
        a.outbox.closeAfterFlush = true
        hold.sweep(q, end: 10, holdNew: true)
        q.drain()
        #expect(!a.closedAfter && a.written.isEmpty)
        hold.release(durable: 10)
        q.drain()
        #expect(a.closedAfter && a.written == Array("+OK\r\n".utf8))
    }

    @Test("appendonly yes - acknowledged journaled writes survive a restart", arguments: ["always", "everysec", "no"])
    func liveRestart(_ fsync: String) throws {
        let tmp = TempDir(prefix: "latchkey-persist")
        defer { tmp.remove() }
        let dir = tmp.path
        let options = ["--appendonly", "yes", "--appendfsync", fsync, "--dir", dir]
        do {
            let live = try JournalingServer(options)
            let c = try TestClient(port: live.port)
            for i in 0..<50 {
                c.send("W k\(i)\r\n")
                #expect(c.receive(count: 5) == Array("+OK\r\n".utf8))
            }
            c.send("W a\r\nW b\r\nW c\r\n")
            #expect(c.receive(count: 15) == Array("+OK\r\n+OK\r\n+OK\r\n".utf8))
            live.stop()
        }
        let again = try JournalingServer(options)
        #expect(again.replayed.count == 53)
        #expect(again.replayed.first == .set(db: 0, key: Array("k0".utf8), value: [], expireAtMs: 0))
        again.stop()
    }

    @Test("--check-log prints a report and returns the exit code") func checkLogCommand() {
        #expect(Persistence.checkLogCommand([]) == 1)
        #expect(Persistence.checkLogCommand(["/nonexistent/x.aof"]) == 2)
    }
}

/// A live server whose front end journals `W key` as a set and answers +OK, with the log on.
final class JournalingServer {
    let server: Server
    let thread: ServerThread
    let port: Int
    var replayed: [LogRecord] = []

    /// The log wiring boot returned (nil with `appendonly no`).
    private(set) var persistence: Persistence?

    /// `prepare` runs after boot and before start (tests set writer hooks there).
    init(_ options: [String], prepare: (Persistence?) -> Void = { _ in }) throws {
        let config = try ConfigParser.parse(
            arguments: [
                "--port", "0", "--amqp-port", "off", "--management-port", "0", "--bind", "127.0.0.1", "--loglevel",
                "nothing",
            ] + options
        ).config
        server = try Server(config: config)
        server.handlesSignals = false
        let journal = Journal(enabled: false)
        let frontEnd = JournalingFrontEnd(journal: journal)
        server.addFrontEnd(frontEnd, kind: .resp)
        persistence = try Persistence.boot(server: server, journal: journal, participants: [.resp: frontEnd])
        replayed = frontEnd.replayed
        prepare(persistence)
        port = try server.start().respPort
        thread = server.runInBackground()
    }

    func stop() { thread.stop() }
}

final class JournalingFrontEnd: FrontEnd, LogParticipant {
    let journal: Journal
    var replayed: [LogRecord] = []
    init(journal: Journal) { self.journal = journal }
    var logRecordTypes: [RecordType] { [.set] }
    func replayLogRecord(_ record: LogRecord) { replayed.append(record) }
    func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64) {
        for r in replayed { RecordCodec.encode(r, into: &out) }
    }
    func makeSession(client: ClientInfo) -> ProtocolSession {
        JournalingSession(outbox: client.outbox, journal: journal)
    }
    func cron() {}
}

final class JournalingSession: ProtocolSession {
    let outbox: Outbox
    let journal: Journal
    init(outbox: Outbox, journal: Journal) {
        self.outbox = outbox
        self.journal = journal
    }

    func receive(_ input: UnsafeRawBufferPointer) -> Int {
        var pos = 0
        while let nl = input[pos...].firstIndex(of: 10) {
            let end = nl > pos && input[nl - 1] == 13 ? nl - 1 : nl
            let line = Array(input[pos..<end])
            pos = nl + 1
            if line.count > 2 { journal.append(.set(db: 0, key: Array(line[2...]), value: [], expireAtMs: 0)) }
            outbox.bytes.append(contentsOf: Array("+OK\r\n".utf8))
            outbox.markDirty()
        }
        return pos
    }

    func connectionClosed() {}
}

@Suite("Log participants") struct LogParticipantTests {
    @Test("every record type belongs to exactly one front end, and the keyspace snapshots in slices")
    func recordTypesPartitioned() throws {
        let config = try ConfigParser.parse(arguments: ["--loglevel", "nothing"]).config
        let context = ServerContext(config: config, clock: SystemClock())
        let (resp, amqp) = Boot.makeFrontEnds(context: context)
        let keyspace = Set(resp.logRecordTypes)
        let broker = Set(amqp.logRecordTypes)
        #expect(keyspace.isDisjoint(with: broker))
        #expect(keyspace.union(broker) == Set(RecordType.allCases))
        #expect(keyspace.count == resp.logRecordTypes.count && broker.count == amqp.logRecordTypes.count)
        // A rewrite frames the one-shot participant (the broker) first, at the capture instant.
        let order = Persistence.snapshotOrder([.resp: resp, .amqp: amqp])
        #expect(order.first === amqp && order.last === resp)
    }
}
