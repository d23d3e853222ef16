// The server over real loopback sockets: replies, pipelining, maxclients, output limits and
// graceful shutdown. Each test starts its own in-process server on a free port.
import LatchkeyCore
import Testing

@testable import LatchkeyServer

@Suite("Server (live sockets)") struct LiveServerTests {
    @Test("PING - inline and multibulk get +PONG, anything else the stand-in error") func ping() throws {
        let live = try LiveServer()
        defer { live.stop() }
        let c = try TestClient(port: live.port)
        c.send("PING\r\n")
        #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
        c.send("*1\r\n$4\r\nping\r\n")
        #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
        c.send("GET x\r\n")
        #expect(c.receive(count: 20) == Array("-ERR not yet wired\r\n".utf8))
    }

    @Test("PING - pipelined requests sent in one write are answered in one write") func pipelined() throws {
        let live = try LiveServer()
        defer { live.stop() }
        let c = try TestClient(port: live.port)
        c.send(String(repeating: "PING\r\n", count: 100))
        let first = c.receiveSome()
        #expect(first.count == 700)
        #expect(first + c.receive(count: 700 - first.count) == Array(String(repeating: "+PONG\r\n", count: 100).utf8))
    }

    @Test("PING - a request split across writes is answered once complete") func split() throws {
        let live = try LiveServer()
        defer { live.stop() }
        let c = try TestClient(port: live.port)
        c.send("*1\r\n$4\r\nPI")
        c.send("NG\r\n")
        #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
    }

    @Test("maxclients - the extra client gets Redis's error and is closed") func maxClients() throws {
        let live = try LiveServer(["--maxclients", "1"])
        defer { live.stop() }
        let first = try TestClient(port: live.port)
        first.send("PING\r\n")
        #expect(first.receive(count: 7) == Array("+PONG\r\n".utf8))
        let extra = try TestClient(port: live.port)
        #expect(extra.receive(count: 100) == Array("-ERR max number of clients reached\r\n".utf8))
        #expect(extra.receiveSome().isEmpty)
        first.send("PING\r\n")
        #expect(first.receive(count: 7) == Array("+PONG\r\n".utf8))
    }

    @Test("output limit - a client past the hard limit is closed without all its output") func hardLimit() throws {
        let live = try LiveServer(
            ["--client-output-buffer-hard-limit", "1mb", "--client-output-buffer-soft-limit", "0"],
            frontEnd: { _ in BigFrontEnd() })
        defer { live.stop() }
        let c = try TestClient(port: live.port, receiveBuffer: 8192)
        let size = 64 << 20
        c.send("BIG \(size)\r\n")
        let got = c.receiveUntilClosed()
        #expect(got < size)
    }

    @Test("output limit - a client paused at the soft limit resumes and gets every reply") func softLimitResumes()
        throws
    {
        let live = try LiveServer(
            ["--client-output-buffer-soft-limit", "1mb", "--client-output-buffer-hard-limit", "0"],
            frontEnd: { _ in BigFrontEnd() })
        defer { live.stop() }
        let c = try TestClient(port: live.port)
        let size = 8 << 20
        c.send("BIG \(size)\r\n")
        var got = c.receive(count: 1).count  // the first reply is being written: reading is paused
        c.send("BIG \(size)\r\nBIG \(size)\r\nPING\r\n")
        got += c.receive(count: 3 * size - 1).count
        #expect(got == 3 * size)
        #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
    }

    @Test("timeout - a client idle past `timeout` seconds is closed; an active one is not") func idleTimeout() throws {
        let clock = LockedClock()
        let live = try LiveServer(["--timeout", "10", "--hz", "100"], clock: clock)
        defer { live.stop() }
        let idle = try TestClient(port: live.port)
        let active = try TestClient(port: live.port)
        for c in [idle, active] {
            c.send("PING\r\n")
            #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
        }
        clock.advance(ms: 6000)
        active.send("PING\r\n")
        #expect(active.receive(count: 7) == Array("+PONG\r\n".utf8))
        clock.advance(ms: 5000)  // idle: 11 s since its last request; active: 5 s
        #expect(idle.receiveSome().isEmpty)
        active.send("PING\r\n")
        #expect(active.receive(count: 7) == Array("+PONG\r\n".utf8))
    }

    @Test("shutdown - pending output is flushed, then clients are closed and the loop ends") func gracefulShutdown()
        throws
    {
        let live = try LiveServer(frontEnd: { _ in BigFrontEnd() })
        let c = try TestClient(port: live.port)
        let size = 8 << 20
        c.send("BIG \(size)\r\n")
        let first = c.receive(count: 1).count
        live.server.stopFromAnyThread()
        let rest = c.receiveUntilClosed()
        #expect(first + rest == size)
        live.thread.stop()  // joins; a second stop request is ignored
        #expect(throws: (any Error).self) { _ = try TestClient(port: live.port) }
    }

    @Test("shutdown - requested from inside a session, it answers, closes everyone and ends the loop")
    func shutdownFromSession() throws {
        let live = try LiveServer(frontEnd: { BigFrontEnd(context: $0) })
        let other = try TestClient(port: live.port)
        other.send("PING\r\n")
        #expect(other.receive(count: 7) == Array("+PONG\r\n".utf8))
        let c = try TestClient(port: live.port)
        c.send("SHUTDOWN\r\nPING\r\n")
        let reply = c.receive(count: 12)
        #expect(reply.starts(with: Array("+OK\r\n".utf8)))
        #expect(c.receiveSome().isEmpty)
        #expect(other.receiveSome().isEmpty)
        live.thread.stop()
    }
}
