// The embedding API: an in-process server on free ports, its clock and reset driven from the
// test's thread, stopped cleanly.
import LatchkeyServer
import Testing

@Suite("EmbeddedServer") struct EmbeddedServerTests {
    @Test("EmbeddedServer - free ports, clock, reset, stop") func lifecycle() throws {
        let server = try EmbeddedServer()
        defer { server.stop() }
        #expect(server.respPort > 0 && server.amqpPort != nil && server.amqpPort != server.respPort)
        #expect(server.redisURL == "redis://127.0.0.1:\(server.respPort)/0")
        #expect(server.listeners.map(\.name) == ["resp", "amqp", "management"])
        #expect(server.managementPort != nil && server.managementPort != server.respPort)
        #expect(try server.command("SET", "lock", "me", "NX", "PX", "30000") == .status("OK"))
        try server.advance(seconds: 29)
        #expect(try server.command("GET", "lock").string == "me")
        try server.advance(milliseconds: 1000)
        #expect(try server.command("GET", "lock") == .bulk(nil))
        try server.freeze()
        let frozen = try server.nowMs()
        #expect(try server.nowMs() == frozen)
        #expect(throws: EmbeddedServerError.self) { try server.setClock(unixMs: frozen - 1) }
        _ = try server.command("SET", "k", "v")
        try server.reset()
        #expect(try server.command("DBSIZE") == .integer(0))
        server.stop()
        server.stop()  // idempotent
        #expect(throws: EmbeddedServerError.self) { try server.nowMs() }
    }

    @Test("EmbeddedServer - amqp: false opens RESP only") func respOnly() throws {
        let server = try EmbeddedServer(amqp: false)
        defer { server.stop() }
        #expect(server.amqpPort == nil && server.amqpURL == nil)
        #expect(try server.command("PING") == .status("PONG"))
    }
}
