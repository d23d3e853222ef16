// The management front end in-process: raw HTTP bytes into an HTTPSession, the answer read from
// its outbox, against a real Broker and Keyspace driven by a ManualClock (no sockets, no sleeps).
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP
import LatchkeyKeyspace
import LatchkeyLog
import LatchkeyTestSupport
import Testing

@testable import LatchkeyManagement

final class Fixture {
    let clock = ManualClock()
    let context: ServerContext
    let amqp: AMQPFrontEnd
    let keyspace = Keyspace(databases: 16, seed: 1)
    let frontEnd: ManagementFrontEnd
    let client: ClientInfo
    let session: ProtocolSession

    init(loopback: Bool = true) {
        context = ServerContext(config: Config(), clock: clock)
        amqp = AMQPFrontEnd(context: context, journal: Journal(enabled: false))
        frontEnd = ManagementFrontEnd(context: context, amqp: amqp, keyspace: keyspace)
        client = ClientInfo(
            id: 1, kind: .http, peerAddress: "127.0.0.1:5000", localAddress: "127.0.0.1:15672", isLoopback: loopback,
            outbox: Outbox(queue: context.flushQueue), nowMs: clock.nowMs())
        session = frontEnd.makeSession(client: client)
    }

    /// Sends `text` and returns (and clears) everything written back.
    func send(_ text: String) -> String {
        let bytes = Bytes(text.utf8)
        let used = bytes.withUnsafeBytes { session.receive($0) }
        #expect(used == bytes.count)
        let out = String(decoding: client.outbox.bytes, as: UTF8.self)
        client.outbox.bytes.removeAll()
        return out
    }

    static let auth = "Authorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n"

    func request(
        _ method: String, _ path: String, _ body: String = "", auth: Bool = true
    ) -> (status: Int, body: String) {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: t\r\n" + (auth ? Fixture.auth : "")
        text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        let out = send(text)
        let status = Int(out.split(separator: " ")[1]) ?? 0
        let parts = out.components(separatedBy: "\r\n\r\n")
        return (status, parts.count > 1 ? parts[1...].joined(separator: "\r\n\r\n") : "")
    }

    func json(_ path: String) -> JSON? { JSON.parse(Bytes(request("GET", path).body.utf8)) }
}

extension String {
    func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension Substring {
    func range(of s: String) -> Range<Substring.Index>? {
        let needle = Array(s)
        var i = startIndex
        while i < endIndex {
            var j = i
            var k = 0
            while k < needle.count, j < endIndex, self[j] == needle[k] {
                j = index(after: j)
                k += 1
            }
            if k == needle.count { return i..<j }
            i = index(after: i)
        }
        return nil
    }
}

@Suite("Management session") struct ManagementSessionTests {
    @Test("no credentials: 401 with RabbitMQ's realm; unknown path: 404 before auth") func auth() {
        let f = Fixture()
        let out = f.send("GET /api/overview HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(out.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(out.contains("www-authenticate: Basic realm=\"RabbitMQ Management\""))
        #expect(f.request("GET", "/api/nope", auth: false).status == 404)
        #expect(f.request("GET", "/api/whoami").body == #"{"name":"guest","tags":["administrator"]}"#)
    }

    @Test("guest from a non-loopback peer is refused") func loopbackOnly() {
        let f = Fixture(loopback: false)
        let r = f.request("GET", "/api/whoami")
        #expect(r.status == 401)
        #expect(r.body.contains("User can only log in via localhost"))
    }

    @Test("PUT a queue: 201 then 204; publish and get with ack_requeue_true keeps it") func queueLifecycle() {
        let f = Fixture()
        #expect(f.request("PUT", "/api/queues/%2F/jobs", #"{"durable":true}"#).status == 201)
        #expect(f.request("PUT", "/api/queues/%2F/jobs", #"{"durable":true}"#).status == 204)
        #expect(f.request("PUT", "/api/queues/%2F/jobs", #"{"durable":false}"#).status == 400)
        let pub = f.request(
            "POST", "/api/exchanges/%2F/amq.default/publish",
            #"{"routing_key":"jobs","payload":"hi","payload_encoding":"string","properties":{}}"#)
        #expect(pub.body == #"{"routed":true}"#)
        let got = f.request(
            "POST", "/api/queues/%2F/jobs/get", #"{"count":1,"ackmode":"ack_requeue_true","encoding":"auto"}"#)
        #expect(got.body.contains(#""payload":"hi","payload_encoding":"string""#))
        #expect(f.json("/api/queues/%2F/jobs")?["messages_ready"] == .int(1))
        #expect(f.request("DELETE", "/api/queues/%2F/jobs").status == 204)
        #expect(f.request("DELETE", "/api/queues/%2F/jobs").status == 404)
    }

    @Test("pipelined requests are answered in order; Connection: close asks for a close") func pipelining() {
        let f = Fixture()
        let one = "GET /api/whoami HTTP/1.1\r\nHost: t\r\n" + Fixture.auth + "\r\n"
        let last = "GET /api/vhosts HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + Fixture.auth + "\r\n"
        let out = f.send(one + one + last)
        #expect(out.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
        #expect(f.client.outbox.closeAfterFlush)
    }

    @Test("a POST that is not JSON is 415 (a cross-site form cannot act with cached credentials)") func formPost() {
        let f = Fixture()
        _ = f.request("PUT", "/api/queues/%2F/q", "{}")
        let form =
            "POST /api/queues/%2F/q/get HTTP/1.1\r\nHost: t\r\n" + Fixture.auth
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b"
        #expect(f.send(form).hasPrefix("HTTP/1.1 415 Unsupported Media Type\r\n"))
    }

    @Test("a connection silent for over 60 s is closed by cron; a busy one is not") func idle() {
        let f = Fixture()
        f.clock.advance(ms: 59_000)
        f.context.refreshNow()
        f.frontEnd.cron()
        #expect(!f.client.outbox.closeAfterFlush)
        f.clock.advance(ms: 2_000)
        f.context.refreshNow()
        f.frontEnd.cron()
        #expect(f.client.outbox.closeAfterFlush)
        f.session.connectionClosed()
        #expect(f.frontEnd.sessions.isEmpty)
    }

    @Test("Expect: 100-continue gets 100 Continue once the head is in, then the answer") func expectContinue() {
        let f = Fixture()
        let head =
            "PUT /api/queues/%2F/c HTTP/1.1\r\nHost: t\r\n" + Fixture.auth
            + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
        var bytes = Bytes(head.utf8)
        var used = bytes.withUnsafeBytes { f.session.receive($0) }
        #expect(used == 0)
        #expect(String(decoding: f.client.outbox.bytes, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        f.client.outbox.bytes.removeAll()
        bytes += Bytes("{}".utf8)
        used = bytes.withUnsafeBytes { f.session.receive($0) }
        #expect(used == bytes.count)
        #expect(String(decoding: f.client.outbox.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 201 Created\r\n"))
    }

    @Test("a malformed request gets 400 and a close") func malformed() {
        let f = Fixture()
        let out = f.send("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n")
        #expect(out.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(f.client.outbox.closeAfterFlush)
    }

    @Test("locks lists live keys with a TTL, never expires them, and follows the test clock") func locks() {
        let f = Fixture()
        let now = f.clock.nowMs()
        f.keyspace.setString(db: 0, Bytes("lock:a".utf8), Bytes("holder-1".utf8), expireAt: now + 1000, now: now)
        f.keyspace.setString(db: 0, Bytes("lock:b".utf8), Bytes([0xFF, 0x00]), expireAt: now + 5000, now: now)
        f.keyspace.setString(db: 0, Bytes("plain".utf8), Bytes("v".utf8), expireAt: 0, now: now)
        f.context.refreshNow()
        let page = f.json("/api/latchkey/locks?count=10")
        let locks = page?["locks"]?.arrayValue ?? []
        #expect(locks.count == 2)
        let a = locks.first { $0["key"] == .string("lock:a") }
        #expect(a?["value"] == .string("holder-1"))
        #expect(a?["ttl_ms"] == .int(1000))
        #expect(locks.first { $0["key"] == .string("lock:b") }?["value"] == .string("\\xFF\\x00"))
        f.clock.advance(ms: 2000)
        f.context.refreshNow()
        let later = f.json("/api/latchkey/locks?count=10")?["locks"]?.arrayValue ?? []
        #expect(later.map { $0["key"] } == [.string("lock:b")])
        #expect(f.keyspace.size(db: 0) == 3)  // reading expired nothing
        #expect(f.json("/api/latchkey/state")?["clock_is_real_time"] == .bool(false))
        #expect(f.request("GET", "/api/latchkey/locks?count=0").status == 400)
        #expect(f.request("GET", "/api/latchkey/locks?db=99").status == 400)
    }

    @Test("/metrics has the plugin's queue names and latchkey_ keyspace gauges") func metrics() {
        let f = Fixture()
        _ = f.request("PUT", "/api/queues/%2F/m", "{}")
        _ = f.request("POST", "/api/exchanges/%2F/amq.default/publish", #"{"routing_key":"m","payload":"x"}"#)
        let now = f.clock.nowMs()
        f.keyspace.setString(db: 0, Bytes("lock".utf8), Bytes("h".utf8), expireAt: now + 1000, now: now)
        let text = f.request("GET", "/metrics").body
        #expect(text.contains("\nrabbitmq_queue_messages_ready 1\n"))
        #expect(text.contains("\nlatchkey_keys_with_ttl{db=\"0\"} 1\n"))
        let per = f.request("GET", "/metrics/per-object").body
        #expect(per.contains("rabbitmq_queue_messages_ready{vhost=\"/\",queue=\"m\"} 1\n"))
    }

    @Test("rates come from two samples of the queue counters") func rates() {
        let f = Fixture()
        _ = f.request("PUT", "/api/queues/%2F/r", "{}")
        f.context.refreshNow()
        f.frontEnd.cron()
        for _ in 0..<10 {
            _ = f.request("POST", "/api/exchanges/%2F/amq.default/publish", #"{"routing_key":"r","payload":"x"}"#)
        }
        f.clock.advance(ms: 5000)
        f.context.refreshNow()
        f.frontEnd.cron()
        let q = f.json("/api/queues/%2F/r")
        #expect(q?["message_stats"]?["publish_details"]?["rate"] == .double(2.0))
        #expect(q?["messages_ready_details"]?["rate"] == .double(2.0))
    }
}
