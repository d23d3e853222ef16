import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyRESP

@Suite("ReplyWriter") struct ReplyWriterTests {
    func encode(_ proto: Int, _ body: (ReplyWriter) -> Void) -> String {
        let w = ReplyWriter(protocolVersion: proto)
        body(w)
        return w.bytes.string
    }

    @Test("values identical in RESP2 and RESP3") func common() {
        for p in [2, 3] {
            #expect(encode(p) { $0.ok() } == "+OK\r\n")
            #expect(encode(p) { $0.status("PONG") } == "+PONG\r\n")
            #expect(encode(p) { $0.error("ERR bad\r\nthing") } == "-ERR bad  thing\r\n")
            #expect(encode(p) { $0.integer(-42) } == ":-42\r\n")
            #expect(encode(p) { $0.bulk(Bytes("a\r\nb".utf8)) } == "$4\r\na\r\nb\r\n")
            #expect(encode(p) { $0.bulk(Bytes()) } == "$0\r\n\r\n")
            #expect(encode(p) { $0.arrayHeader(2) } == "*2\r\n")
        }
    }

    @Test("null is $-1 in RESP2 and _ in RESP3; null array is *-1 in RESP2") func nulls() {
        #expect(encode(2) { $0.null() } == "$-1\r\n")
        #expect(encode(3) { $0.null() } == "_\r\n")
        #expect(encode(2) { $0.nullArray() } == "*-1\r\n")
        #expect(encode(3) { $0.nullArray() } == "_\r\n")
    }

    @Test("maps, sets and pushes fall back to arrays in RESP2") func aggregates() {
        #expect(encode(2) { $0.mapHeader(3) } == "*6\r\n")
        #expect(encode(3) { $0.mapHeader(3) } == "%3\r\n")
        #expect(encode(2) { $0.setHeader(2) } == "*2\r\n")
        #expect(encode(3) { $0.setHeader(2) } == "~2\r\n")
        #expect(encode(2) { $0.pushHeader(3) } == "*3\r\n")
        #expect(encode(3) { $0.pushHeader(3) } == ">3\r\n")
    }

    @Test("doubles, booleans and verbatim strings down-convert in RESP2") func scalars() {
        #expect(encode(3) { $0.double(3.5) } == ",3.5\r\n")
        #expect(encode(2) { $0.double(3.5) } == "$3\r\n3.5\r\n")
        #expect(encode(3) { $0.double(.infinity) } == ",inf\r\n")
        #expect(encode(3) { $0.bool(true) } == "#t\r\n")
        #expect(encode(2) { $0.bool(false) } == ":0\r\n")
        #expect(encode(3) { $0.verbatim(Bytes("hi".utf8)) } == "=6\r\ntxt:hi\r\n")
        #expect(encode(2) { $0.verbatim(Bytes("hi".utf8)) } == "$2\r\nhi\r\n")
    }

    @Test("the reply parser reads back what the writer wrote") func roundTrip() throws {
        let w = ReplyWriter(protocolVersion: 3)
        w.mapHeader(2)
        w.bulk(string: "a")
        w.integer(1)
        w.bulk(string: "b")
        w.arrayHeader(3)
        w.null()
        w.double(1.5)
        w.bool(true)
        w.error("ERR x")
        w.verbatim(Bytes("txt".utf8))
        let values = try RESPReplyParser.parseAll(w.bytes)
        #expect(
            values == [
                .map([
                    RESPPair(.bulk("a"), .integer(1)),
                    RESPPair(.bulk("b"), .array([.null, .double(1.5), .boolean(true)])),
                ]), .err("ERR x"), .verbatim(format: Bytes("txt".utf8), text: Bytes("txt".utf8)),
            ])
        let w2 = ReplyWriter(protocolVersion: 2)
        w2.null()
        w2.nullArray()
        w2.status("OK")
        #expect(try RESPReplyParser.parseAll(w2.bytes) == [.null, .nullArray, .ok])
    }

    @Test("huge aggregate and bulk lengths are incomplete input, not a crash (found by the fuzzer)") func hugeLengths()
        throws
    {
        for text in ["%6666666666666666660\r\n%0\r\n", "*9223372036854775807\r\n", "$9223372036854775807\r\nabc\r\n"] {
            let bytes = Bytes(text.utf8)
            let (value, offset) = try bytes.withUnsafeBytes { buf in
                var offset = 0
                let v = try RESPReplyParser.parse(buf, offset: &offset)
                return (v, offset)
            }
            #expect(value == nil)
            #expect(offset == 0)
        }
    }

    @Test("the reply parser reports incomplete input as nil, not an error") func incomplete() throws {
        let bytes = Bytes("*2\r\n$3\r\nabc\r\n:1".utf8)
        let (value, offset) = try bytes.withUnsafeBytes { buf in
            var offset = 0
            let v = try RESPReplyParser.parse(buf, offset: &offset)
            return (v, offset)
        }
        #expect(value == nil)
        #expect(offset == 0)
    }
}
