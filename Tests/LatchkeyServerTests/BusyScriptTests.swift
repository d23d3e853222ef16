// The busy-script pump over real sockets, with the server exactly as Boot wires it (CommandEngine
// and its Lua interpreter): other clients are answered -BUSY from inside a running script, and
// SCRIPT KILL sent by one of them stops it. busy-reply-threshold 0 makes the script busy from
// its first hook check, so nothing here waits on a clock.
import LatchkeyCore
import Testing

@testable import LatchkeyServer

@Suite("Busy scripts (live sockets)") struct BusyScriptTests {
    static let busy = Array(
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n".utf8)

    static func command(_ args: String...) -> String {
        args.reduce("*\(args.count)\r\n") { $0 + "$\($1.utf8.count)\r\n\($1)\r\n" }
    }

    @Test("EVAL - a runaway script: others get -BUSY (new connections too), SCRIPT KILL stops it") func busyThenKill()
        throws
    {
        let config = try ConfigParser.parse(arguments: [
            "--port", "0", "--amqp-port", "off", "--management-port", "0", "--bind", "127.0.0.1", "--loglevel",
            "nothing", "--busy-reply-threshold", "0",
        ]).config
        let server = try Boot.makeServer(config: config)
        server.handlesSignals = false
        let port = try server.start().respPort
        let thread = server.runInBackground()
        defer { thread.stop() }

        let a = try TestClient(port: port)
        a.send(Self.command("EVAL", "while true do end", "0"))
        let b = try TestClient(port: port)
        // B's GET may be served before A's EVAL starts; it is -BUSY once the script runs.
        var reply: [UInt8] = []
        for _ in 0..<10_000 {
            b.send(Self.command("GET", "x"))
            reply = b.receiveSome()
            if reply != Array("$-1\r\n".utf8) { break }
        }
        #expect(reply == Self.busy)
        let c = try TestClient(port: port)  // accepted from inside the script
        c.send(Self.command("PING"))
        #expect(c.receive(count: Self.busy.count) == Self.busy)

        b.send(Self.command("SCRIPT", "KILL"))
        #expect(b.receive(count: 5) == Array("+OK\r\n".utf8))
        let killed = Array(
            "-ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.\r\n"
                .utf8)
        #expect(a.receive(count: killed.count) == killed)
        c.send(Self.command("PING"))
        #expect(c.receive(count: 7) == Array("+PONG\r\n".utf8))
    }
}
