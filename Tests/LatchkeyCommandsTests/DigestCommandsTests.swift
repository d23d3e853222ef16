import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

@Suite("Compare-and-delete commands") struct DigestCommandsTests {
    @Test("DIGEST returns the XXH3-64 hex of the value") func digest() {
        let t = Transcript()
        t.send("SET", "k", "Hello world")
        #expect(t.send("DIGEST", "k") == bulk("b6acb9d84a38ff74"))
        #expect(t.send("DIGEST", "missing") == NIL)
    }

    @Test("DELEX deletes only when the condition holds") func delex() {
        let t = Transcript()
        t.send("SET", "lock", "mine")
        #expect(t.send("DELEX", "lock", "IFEQ", "theirs") == int(0))
        #expect(t.send("DELEX", "lock", "IFNE", "mine") == int(0))
        #expect(t.send("DELEX", "lock", "IFEQ", "mine") == int(1))
        #expect(t.send("DELEX", "lock", "IFEQ", "mine") == int(0))
        t.send("SET", "lock", "Hello world")
        #expect(t.send("DELEX", "lock", "IFDNE", "B6ACB9D84A38FF74") == int(0))
        #expect(t.send("DELEX", "lock", "IFDEQ", "B6ACB9D84A38FF74") == int(1))
        t.send("SET", "k", "v")
        #expect(t.send("DELEX", "k") == int(1))
        #expect(t.send("DELEX", "k", "IFEQ") == err("ERR syntax error"))
        #expect(t.send("DELEX", "k", "FOO", "v") == err("ERR syntax error"))
    }

    @Test("DELIFEQ deletes only the owner's lock") func delifeq() {
        let t = Transcript()
        t.send("SET", "lock", "a")
        #expect(t.send("DELIFEQ", "lock", "b") == int(0))
        #expect(t.send("DELIFEQ", "lock", "a") == int(1))
        #expect(t.send("EXISTS", "lock") == int(0))
    }

    @Test("SET IFEQ/IFNE/IFDEQ/IFDNE conditions") func setIf() {
        let t = Transcript()
        #expect(t.send("SET", "k", "v1", "IFEQ", "x") == NIL)
        #expect(t.send("EXISTS", "k") == int(0))
        #expect(t.send("SET", "k", "v1", "IFNE", "x") == OK)
        #expect(t.send("SET", "k", "v2", "IFEQ", "v1", "PX", "1000") == OK)
        #expect(t.send("PTTL", "k") == int(1000))
        #expect(t.send("SET", "k", "v3", "IFEQ", "nope", "GET") == bulk("v2"))
        #expect(t.send("GET", "k") == bulk("v2"))
        #expect(t.send("SET", "k", "v3", "IFNE", "v2") == NIL)
        t.send("SET", "h", "Hello world")
        #expect(t.send("SET", "h", "x", "IFDEQ", "b6acb9d84a38ff74") == OK)
        #expect(t.send("SET", "h", "y", "IFDNE", "b6acb9d84a38ff74") == OK)
        #expect(t.send("SET", "k", "v", "IFEQ", "a", "NX") == err("ERR syntax error"))
        #expect(t.send("SET", "k", "v", "IFEQ", "a", "IFNE", "b") == err("ERR syntax error"))
    }
}
