import Dispatch
import LatchkeyCore
import LatchkeyLog
import Synchronization
import Testing

@testable import LatchkeyServer

// The seams other modules hook into: the AMQP listener and the ready line, output holds under
// `appendfsync always` (the log's group commit, through Persistence), and shutdown hooks.
#if canImport(Glibc)
import Glibc
#endif

@Suite("Server hooks") struct ServerHooksTests {
    @Test("AMQP listener - served by the AMQP front end and named in the ready line") func amqpListener() throws {
        let live = try LiveServer(amqp: LineFrontEnd(reply: "AMQP\n"))
        defer { live.stop() }
        #expect(live.amqpPort != 0 && live.amqpPort != live.port)
        #expect(
            live.server.readyLine
                == "Ready to accept connections: resp=127.0.0.1:\(live.port) amqp=127.0.0.1:\(live.amqpPort)")
        let c = try TestClient(port: live.amqpPort)
        c.send("hello\n")
        #expect(c.receive(count: 5) == Array("AMQP\n".utf8))
    }

    @Test("AMQP listener - an extra client past maxclients is closed without a reply") func amqpMaxClients() throws {
        let live = try LiveServer(["--maxclients", "1"], amqp: LineFrontEnd(reply: "AMQP\n"))
        defer { live.stop() }
        let first = try TestClient(port: live.port)
        first.send("PING\r\n")
        #expect(first.receive(count: 7) == Array("+PONG\r\n".utf8))
        let extra = try TestClient(port: live.amqpPort)
        #expect(extra.receiveSome().isEmpty)
    }

    @Test("ready line - RESP only when AMQP is off") func readyLineWithoutAMQP() throws {
        let live = try LiveServer()
        defer { live.stop() }
        #expect(live.server.readyLine == "Ready to accept connections: resp=127.0.0.1:\(live.port)")
    }

    @Test("output hold - under appendfsync always a reply waits until its record is on disk") func outputHold() throws {
        var template = Array("/tmp/latchkey-hold-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer {
            unlink(dir + "/latchkey.aof")
            rmdir(dir)
        }
        // Every fsync fails while `failing` is set, and each attempt is signalled: the reply of a
        // journaled write must stay unsent through failed fsyncs and leave after the first good one.
        let failing = Atomic<Bool>(true)
        let attempts = DispatchSemaphore(value: 0)
        let options = ["--appendonly", "yes", "--appendfsync", "always", "--dir", dir]
        do {
            let live = try JournalingServer(options) { persistence in
                guard let writer = persistence?.writer else { return }
                writer.inlineSyncThresholdMicros = 0  // every fsync on the helper thread (group commit)
                writer.faultInjector = { point in
                    guard point == .fsync, failing.load(ordering: .sequentiallyConsistent) else { return 0 }
                    attempts.signal()
                    return EIO
                }
            }
            defer { live.stop() }
            let a = try TestClient(port: live.port)
            a.send("W held\r\n")
            // The retry comes after the first failure was handled, so every flush that could have
            // written the reply early has run by then.
            attempts.wait()
            attempts.wait()
            #expect(!a.hasPendingInput())
            // A client with nothing journaled and nothing held is answered meanwhile.
            let b = try TestClient(port: live.port)
            b.send("W\r\n")
            #expect(b.receive(count: 5) == Array("+OK\r\n".utf8))
            #expect(!a.hasPendingInput())
            failing.store(false, ordering: .sequentiallyConsistent)
            #expect(a.receive(count: 5) == Array("+OK\r\n".utf8))
        }
        // The acknowledged record is in the file.
        let again = try JournalingServer(options)
        defer { again.stop() }
        #expect(again.replayed == [.set(db: 0, key: Array("held".utf8), value: [], expireAtMs: 0)])
    }

    @Test("shutdown hooks run once, before clients are closed") func shutdownHooks() throws {
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

@Suite("Server start-up") struct ServerStartTests {
    func makeServer(_ options: [String]) throws -> Server {
        let config = try ConfigParser.parse(
            arguments: ["--port", "0", "--amqp-port", "off", "--management-port", "0", "--loglevel", "nothing"]
                + options
        ).config
        let server = try Server(config: config)
        server.handlesSignals = false
        server.addFrontEnd(StandInFrontEnd(context: server.context), kind: .resp)
        return server
    }

    @Test("bind - an unavailable address marked '-' is skipped") func optionalAddressSkipped() throws {
        let live = try LiveServer(["--bind", "127.0.0.1", "-192.0.2.55"])
        defer { live.stop() }
        #expect(live.server.readyLine == "Ready to accept connections: resp=127.0.0.1:\(live.port)")
    }

    @Test("bind - an unavailable address without '-' stops start-up naming it") func requiredAddressFails() throws {
        let server = try makeServer(["--bind", "127.0.0.1", "192.0.2.55"])
        #expect { try server.start() } throws: { error in "\(error)".contains("192.0.2.55") }
    }

    @Test("port - a port in use stops start-up naming the address") func portInUse() throws {
        let first = try LiveServer()
        defer { first.stop() }
        let server = try makeServer(["--bind", "127.0.0.1", "--port", String(first.port)])
        #expect { try server.start() } throws: { error in
            "\(error)".contains("127.0.0.1:\(first.port)") && "\(error)".contains("in use")
        }
    }
}
