import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("Connection commands") struct ConnectionCommandsTests {
    @Test("HELLO 3 switches to RESP3 and replies with a map; nulls become _") func hello() {
        let t = Transcript()
        guard case .array(let flat) = t.send("HELLO") else {
            Issue.record("HELLO")
            return
        }
        #expect(flat.count == 14)
        guard case .map(let m) = t.send("HELLO", "3") else {
            Issue.record("HELLO 3")
            return
        }
        #expect(m.count == 7)
        #expect(m.first { $0.key == bulk("proto") }?.value == int(3))
        #expect(m.first { $0.key == bulk("mode") }?.value == bulk("standalone"))
        #expect(t.raw(Transcript.encode(["GET", "nokey"])) == [.null])
        #expect(t.session.client.info.outbox.bytes.isEmpty)
        #expect(t.send("HELLO", "4") == err("NOPROTO unsupported protocol version"))
        #expect(t.send("HELLO", "x") == err("ERR Protocol version is not an integer or out of range"))
        #expect(t.send("HELLO", "3", "foo") == err("ERR Syntax error in HELLO option 'foo'"))
        guard case .array = t.send("HELLO", "2", "SETNAME", "me") else {
            Issue.record("HELLO 2")
            return
        }
        #expect(t.send("CLIENT", "GETNAME") == bulk("me"))
    }

    @Test("PING, ECHO, SELECT, QUIT") func basics() {
        let t = Transcript()
        #expect(t.send("PING") == .status("PONG"))
        #expect(t.send("ping", "hi") == bulk("hi"))
        #expect(t.send("PING", "a", "b") == err("ERR wrong number of arguments for 'ping' command"))
        #expect(t.send("ECHO", "x") == bulk("x"))
        #expect(t.send("SELECT", "16") == err("ERR DB index is out of range"))
        #expect(t.send("SELECT", "x") == err("ERR value is not an integer or out of range"))
        #expect(t.send("SELECT", "15") == OK)
        #expect(t.send("QUIT") == OK)
        #expect(t.info.outbox.closeAfterFlush)
    }

    @Test("CLIENT subcommands and unknown-subcommand texts") func client() {
        let t = Transcript()
        #expect(t.send("CLIENT", "ID") == int(Int64(t.info.id)))
        #expect(t.send("CLIENT", "GETNAME") == NIL)
        #expect(
            t.send("CLIENT", "SETNAME", "a b")
                == err("ERR Client names cannot contain spaces, newlines or special characters."))
        #expect(t.send("CLIENT", "SETNAME", "worker") == OK)
        #expect(t.send("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == OK)
        #expect(t.send("CLIENT", "SETINFO", "lib-ver", "8.1.0") == OK)
        #expect(
            t.send("CLIENT", "MAINT_NOTIFICATIONS", "ON", "moving-endpoint-type", "internal-ip")
                == err("ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP."))
        #expect(t.send("CLIENT", "SETNAME") == err("ERR wrong number of arguments for 'client|setname' command"))
        #expect(t.send("CLIENT") == err("ERR wrong number of arguments for 'client' command"))
        guard case .bulkString(let list) = t.send("CLIENT", "LIST") else {
            Issue.record("LIST")
            return
        }
        #expect(list.string.contains("name=worker"))
        #expect(list.string.contains("lib-name=redis-py"))
        #expect(t.send("CLIENT", "KILL", "ID", "999") == int(0))
        #expect(t.send("CLIENT", "KILL", "1.2.3.4:5") == err("ERR No such client"))
    }

    @Test("AUTH without requirepass, and NOAUTH/WRONGPASS with it") func auth() {
        let t = Transcript()
        #expect(
            t.send("AUTH", "x")
                == err(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
                ))
        #expect(t.send("AUTH", "default", "anything") == OK)
        #expect(t.send("AUTH", "a", "b", "c") == err("ERR syntax error"))

        let config = Config()
        config.set("requirepass", "s3cret")
        let p = Transcript(config: config)
        #expect(p.send("GET", "k") == err("NOAUTH Authentication required."))
        #expect(p.send("HELLO", "3") == err(ErrorReplies.helloNoAuth))
        #expect(p.send("AUTH", "wrong") == err("WRONGPASS invalid username-password pair or user is disabled."))
        #expect(p.send("AUTH", "s3cret") == OK)
        #expect(p.send("GET", "k") == NIL)
        let (_, s2) = Transcript.connect(p.engine, p.context)
        guard case .map = p.send(["HELLO", "3", "AUTH", "default", "s3cret"], on: s2) else {
            Issue.record("HELLO AUTH")
            return
        }
    }

    @Test("unknown commands quote their arguments; protocol errors close") func gate() {
        let t = Transcript()
        #expect(t.send("FOO", "bar", "baz") == err("ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' "))
        #expect(t.send("foo") == err("ERR unknown command 'foo', with args beginning with: "))
        #expect(t.raw(Bytes("*1\r\n:5\r\n".utf8)) == [err("ERR Protocol error: expected '$', got ':'")])
        #expect(t.info.outbox.closeAfterFlush)
    }

    @Test("pipelined and inline requests reply in order") func pipelining() {
        let t = Transcript()
        let replies = t.raw(
            Bytes("PING\r\nSET k v\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI".utf8), unconsumed: 10)
        #expect(replies == [.status("PONG"), OK, bulk("v")])
    }

    @Test("MISCONF refuses writes while persistence is failing") func misconf() {
        let t = Transcript()
        t.context.persistence.writeFailure = LogFailure(operation: .write, code: 28)
        #expect(t.send("SET", "k", "v") == err("MISCONF Errors writing to the AOF file: No space left on device"))
        #expect(t.send("GET", "k") == NIL)
    }

    @Test("scripts run commands through the same gate") func fromScript() {
        let t = Transcript()
        let client = t.engine.makeDetachedClient()
        let ok = t.engine.execute(
            argv: [Bytes("SET".utf8), Bytes("k".utf8), Bytes("v".utf8)], client: client,
            origin: .script(readOnly: false))
        #expect(ok.string == "+OK\r\n")
        let refused = t.engine.execute(argv: [Bytes("HELLO".utf8)], client: client, origin: .script(readOnly: false))
        #expect(refused.string == "-ERR This Redis command is not allowed from script\r\n")
        let null3 = t.engine.execute(
            argv: [Bytes("GET".utf8), Bytes("x".utf8)], client: client, protocolVersion: 3,
            origin: .script(readOnly: false))
        #expect(null3.string == "_\r\n")
        #expect(t.send("GET", "k") == bulk("v"))
    }
}
