// The seams other modules hook into: the AMQP listener and the ready line, output holds with
// BackgroundWork (the log's group commit), and before-flush/shutdown hooks.
import Dispatch
import LatchkeyCore
import LatchkeyLoop
import Testing

@testable import LatchkeyServer

@Suite("Server hooks")
struct ServerHooksTests {
    @Test("AMQP listener - served by the AMQP front end and named in the ready line")
    func amqpListener() throws {
        let live = try LiveServer(amqp: LineFrontEnd(reply: "AMQP\n"))
        defer { live.stop() }
        #expect(live.amqpPort != 0 && live.amqpPort != live.port)
        #expect(live.server.readyLine == "Ready to accept connections: resp=127.0.0.1:\(live.port) amqp=127.0.0.1:\(live.amqpPort)")
        let c = try TestClient(port: live.amqpPort)
        c.send("hello\n")
        #expect(c.receive(count: 5) == Array("AMQP\n".utf8))
    }

    @Test("AMQP listener - an extra client past maxclients is closed without a reply")
    func amqpMaxClients() throws {
        let live = try LiveServer(["--maxclients", "1"], amqp: LineFrontEnd(reply: "AMQP\n"))
        defer { live.stop() }
        let first = try TestClient(port: live.port)
        first.send("PING\r\n")
        #expect(first.receive(count: 7) == Array("+PONG\r\n".utf8))
        let extra = try TestClient(port: live.amqpPort)
        #expect(extra.receiveSome().isEmpty)
    }

    @Test("ready line - RESP only when AMQP is off")
    func readyLineWithoutAMQP() throws {
        let live = try LiveServer()
        defer { live.stop() }
        #expect(live.server.readyLine == "Ready to accept connections: resp=127.0.0.1:\(live.port)")
    }

    @Test("output hold - replies wait for releaseOutput; other clients are not blocked later")
    func outputHold() throws {
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let live = try LiveServer(prepare: { server in
            var armed = true
            server.addBeforeFlushHook { [unowned server] in
                guard armed, !server.context.flushQueue.pending.isEmpty else { return }
                armed = false
                let token = server.holdOutput()
                try? BackgroundWork.run(on: server.loop, {
                    holding.signal()
                    release.wait()
                    return 1
                }, completion: { (_: Int) in server.releaseOutput(token) })
            }
        })
        defer { live.stop() }
        let a = try TestClient(port: live.port)
        a.send("PING\r\n")
        holding.wait()
        let b = try TestClient(port: live.port)
        b.send("PING\r\n")
        #expect(b.receive(count: 7) == Array("+PONG\r\n".utf8))
        #expect(!a.hasPendingInput())
        release.signal()
        #expect(a.receive(count: 7) == Array("+PONG\r\n".utf8))
    }

    @Test("shutdown hooks run once, before clients are closed")
    func shutdownHooks() throws {
        final class Counter: @unchecked Sendable { var n = 0 }
        let counter = Counter()
        let live = try LiveServer(prepare: { server in server.addShutdownHook { counter.n += 1 } })
        let c = try TestClient(port: live.port)
        c.send("PING\r\n")
        #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
        live.stop()
        #expect(counter.n == 1)
        #expect(c.receiveSome().isEmpty)
    }
}

@Suite("Server start-up")
struct ServerStartTests {
    func makeServer(_ options: [String]) throws -> Server {
        let config = try ConfigParser.parse(
            arguments: ["--port", "0", "--amqp-port", "off", "--management-port", "0", "--loglevel", "nothing"] + options).config
        let server = try Server(config: config)
        server.handlesSignals = false
        server.addFrontEnd(StandInFrontEnd(context: server.context), kind: .resp)
        return server
    }

    @Test("bind - an unavailable address marked '-' is skipped")
    func optionalAddressSkipped() throws {
        let live = try LiveServer(["--bind", "127.0.0.1", "-192.0.2.55"])
        defer { live.stop() }
        #expect(live.server.readyLine == "Ready to accept connections: resp=127.0.0.1:\(live.port)")
    }

    @Test("bind - an unavailable address without '-' stops start-up naming it")
    func requiredAddressFails() throws {
        let server = try makeServer(["--bind", "127.0.0.1", "192.0.2.55"])
        #expect {
            try server.start()
        } throws: { error in "\(error)".contains("192.0.2.55") }
    }

    @Test("port - a port in use stops start-up naming the address")
    func portInUse() throws {
        let first = try LiveServer()
        defer { first.stop() }
        let server = try makeServer(["--bind", "127.0.0.1", "--port", String(first.port)])
        #expect {
            try server.start()
        } throws: { error in "\(error)".contains("127.0.0.1:\(first.port)") && "\(error)".contains("in use") }
    }
}
