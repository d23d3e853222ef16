import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyServer

// The management listener as Boot wires it: named in the ready line, answering HTTP on the loop,
// off with `management-port off`, and no obstacle to BGREWRITEAOF (it keeps no state to snapshot).
#if canImport(Glibc)
import Glibc
#endif

@Suite("Management wiring", .serialized) struct ManagementWiringTests {
    func config(_ extra: [String]) throws -> Config {
        try ConfigParser.parse(
            arguments: [
                "--port", "0", "--amqp-port", "0", "--management-port", "0", "--bind", "127.0.0.1", "--management-bind",
                "127.0.0.1", "--loglevel", "nothing",
            ] + extra
        ).config
    }

    @Test("the ready line names the management listener, which answers HTTP") func readyLineAndAnswer() throws {
        let server = try Boot.makeServer(config: try config([]))
        server.handlesSignals = false
        try server.start()
        let thread = server.runInBackground()
        defer { thread.stop() }
        let port = server.managementPort
        #expect(port > 0)
        #expect(server.readyLine.hasSuffix(" management=127.0.0.1:\(port)"))
        #expect(server.boundListeners.contains { $0.protocolName == "http" && $0.port == port })
        let c = try TestClient(port: port)
        c.send(
            "GET /api/whoami HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n\r\n")
        var reply: [UInt8] = []
        while true {
            let chunk = c.receiveSome()
            if chunk.isEmpty { break }
            reply += chunk
        }
        let text = String(decoding: reply, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix(#"{"name":"guest","tags":["administrator"]}"#))
    }

    @Test("management-port off: no listener, no ready-line field") func off() throws {
        let server = try Boot.makeServer(config: try config(["--management-port", "off"]))
        server.handlesSignals = false
        try server.start()
        let thread = server.runInBackground()
        defer { thread.stop() }
        #expect(server.managementPort == 0)
        #expect(!server.readyLine.contains("management="))
    }

    @Test("BGREWRITEAOF is not refused because of the management front end") func rewrite() throws {
        let tmp = TempDir(prefix: "latchkey-mgmt")
        defer { tmp.remove() }
        let server = try Boot.makeServer(config: try config(["--appendonly", "yes", "--dir", tmp.path]))
        server.handlesSignals = false
        try server.start()
        #expect(server.frontEnds[.http]?.hasOwnState == false)
        #expect(server.requestLogRewrite()?.contains("not every front end") != true)
        let thread = server.runInBackground()
        thread.stop()
    }
}
