// Swift Testing against an in-process Latchkey: free ports, a clock the test moves, a reset
// between tests. No sleeps, no external server.
import LatchkeyServer
import Lease
import Testing

@Suite("Lease", .serialized) struct LeaseTests {
    let server: EmbeddedServer

    init() throws { server = try EmbeddedServer(amqp: false) }

    func take(_ lease: Lease) throws -> Bool {
        Lease.acquired(statusReply: try server.command(lease.acquireCommand).string)
    }

    @Test("a lease blocks others until its TTL passes")
    func expires() throws {
        defer { server.stop() }
        #expect(try take(Lease(resource: "order:7", owner: "worker-a", ttlMs: 30_000)))
        #expect(try !take(Lease(resource: "order:7", owner: "worker-b", ttlMs: 30_000)))
        try server.advance(seconds: 31)
        #expect(try take(Lease(resource: "order:7", owner: "worker-b", ttlMs: 30_000)))
    }

    @Test("reset gives the next test an empty server on real time")
    func reset() throws {
        defer { server.stop() }
        #expect(try take(Lease(resource: "order:8", owner: "a", ttlMs: 60_000)))
        try server.advance(seconds: 3600)
        try server.reset()
        #expect(try server.command("DBSIZE") == .integer(0))
        #expect(try take(Lease(resource: "order:8", owner: "b", ttlMs: 60_000)))
    }
}
