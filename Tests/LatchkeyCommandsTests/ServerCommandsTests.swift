import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("Server commands") struct ServerCommandsTests {
    @Test("CONFIG GET save/appendonly as redis-benchmark expects; map in RESP3") func configGet() {
        let t = Transcript()
        #expect(t.send("CONFIG", "GET", "save") == .array([bulk("save"), bulk("")]))
        #expect(t.send("CONFIG", "GET", "appendonly") == .array([bulk("appendonly"), bulk("no")]))
        #expect(t.send("CONFIG", "GET", "nothing*") == .array([]))
        t.send("HELLO", "3")
        // The name is echoed as asked, as in Redis 7.0.
        #expect(t.send("CONFIG", "GET", "SAVE") == .map([RESPPair(bulk("SAVE"), bulk(""))]))
    }

    @Test("CONFIG SET changes mutable directives and refuses others with Redis's texts") func configSet() {
        let t = Transcript()
        #expect(t.send("CONFIG", "SET", "maxclients", "100") == OK)
        #expect(t.send("CONFIG", "GET", "maxclients") == .array([bulk("maxclients"), bulk("100")]))
        #expect(
            t.send("CONFIG", "SET", "foo", "bar")
                == err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"))
        #expect(
            t.send("CONFIG", "SET", "maxclients", "abc")
                == err(
                    "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"
                ))
        #expect(
            t.send("CONFIG", "SET", "port", "1")
                == err("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"))
        #expect(t.send("CONFIG", "SET", "requirepass", "pw") == OK)
        let (_, s2) = Transcript.connect(t.engine, t.context)
        #expect(t.send(["GET", "k"], on: s2) == err("NOAUTH Authentication required."))
        #expect(t.send("GET", "k") == NIL)  // already-connected clients stay authenticated, as in Redis
    }

    @Test("CONFIG SET/GET - range, duplicate and spelling as in Redis 7.0") func configTexts() {
        let t = Transcript()
        let failed = "ERR CONFIG SET failed (possibly related to argument "
        #expect(
            t.send("CONFIG", "SET", "timeout", "-1")
                == err(failed + "'timeout') - argument must be between 0 and 2147483647 inclusive"))
        #expect(
            t.send("CONFIG", "SET", "TIMEOUT", "-1")
                == err(failed + "'timeout') - argument must be between 0 and 2147483647 inclusive"))
        #expect(
            t.send("CONFIG", "SET", "maxclients", "0")
                == err(failed + "'maxclients') - argument must be between 1 and 4294967295 inclusive"))
        #expect(
            t.send("CONFIG", "SET", "timeout", "+5")
                == err(failed + "'timeout') - argument couldn't be parsed into an integer"))
        #expect(
            t.send("CONFIG", "SET", "timeout", "05")
                == err(failed + "'timeout') - argument couldn't be parsed into an integer"))
        #expect(
            t.send("CONFIG", "SET", "timeout", "10", "TIMEOUT", "20")
                == err(failed + "'TIMEOUT') - duplicate parameter"))
        #expect(
            t.send("CONFIG", "SET", "timeout", "1", "timeout", "2", "nosuch", "1")
                == err(failed + "'timeout') - duplicate parameter"))
        #expect(
            t.send("CONFIG", "SET", "appendfsync", "x")
                == err(failed + "'appendfsync') - argument(s) must be one of the following: everysec, always, no"))
        #expect(t.send("CONFIG", "GET", "timeout") == .array([bulk("timeout"), bulk("0")]))
        #expect(t.send("CONFIG", "GET", "TimeOut") == .array([bulk("TimeOut"), bulk("0")]))
        #expect(t.send("CONFIG", "GET", "TIMEOUT", "timeout", "TIME*") == .array([bulk("TIMEOUT"), bulk("0")]))
        #expect(t.send("CONFIG", "GET", "TIME*") == .array([bulk("timeout"), bulk("0")]))
    }

    @Test("INFO is a bulk string with the fields clients look for") func info() {
        let t = Transcript()
        t.send("SET", "k", "v", "EX", "100")
        guard case .bulkString(let text) = t.send("INFO") else {
            Issue.record("INFO")
            return
        }
        let s = text.string
        for needle in [
            "# Server\r\n", "redis_version:", "redis_mode:standalone", "loading:0", "role:master", "connected_clients:",
            "db0:keys=1,expires=1",
        ] { #expect(s.contains(needle), "missing \(needle)") }
        guard case .bulkString(let server) = t.send("INFO", "server") else {
            Issue.record("INFO server")
            return
        }
        #expect(!server.string.contains("# Keyspace"))
    }

    @Test("COMMAND COUNT, INFO, DOCS and LIST describe the table") func command() {
        let t = Transcript()
        guard case .integer(let n) = t.send("COMMAND", "COUNT") else {
            Issue.record("COUNT")
            return
        }
        #expect(n == Int64(CommandTable.all.count))
        guard case .array(let info) = t.send("COMMAND", "INFO", "get", "nosuch") else {
            Issue.record("INFO")
            return
        }
        #expect(info.count == 2)
        #expect(info[1] == .nullArray)
        guard case .array(let get) = info[0] else {
            Issue.record("entry")
            return
        }
        #expect(get[0] == bulk("get"))
        #expect(get[1] == int(2))
        guard case .array(let docs) = t.send("COMMAND", "DOCS", "set") else {
            Issue.record("DOCS")
            return
        }
        #expect(docs.count == 2)
        #expect(t.send("COMMAND", "FOO") == err("ERR unknown subcommand 'FOO'. Try COMMAND HELP."))
        guard case .array(let all) = t.send("COMMAND") else {
            Issue.record("COMMAND")
            return
        }
        #expect(all.count == Int(n))
    }

    @Test("TIME and WAIT") func misc() {
        let t = Transcript()
        guard case .array(let time) = t.send("TIME") else {
            Issue.record("TIME")
            return
        }
        #expect(time.count == 2)
        #expect(t.send("WAIT", "0", "0") == int(0))
    }
}
