// JSON parsing and writing, base64, and the response writer.
import LatchkeyCore
import LatchkeyHTTP
import Testing

@Suite("JSON") struct JSONTests {
    @Test("round trip keeps key order and exact integers") func roundTrip() {
        let text = #"{"b":1,"a":[true,false,null,-9007199254740993,1.5,"x\"y\\z\u00e9\ud83d\ude00"],"c":{}}"#
        let v = JSON.parse(Bytes(text.utf8))
        #expect(v != nil)
        #expect(v?["b"] == .int(1))
        #expect(v?["a"]?.arrayValue?[3] == .int(-9_007_199_254_740_993))
        #expect(v?["a"]?.arrayValue?[5] == .string("x\"y\\zé😀"))
        #expect(JSON.parse(v!.encoded) == v)
        #expect(String(decoding: v!.encoded, as: UTF8.self).hasPrefix(#"{"b":1,"a""#))
    }

    @Test(
        "invalid documents are nil",
        arguments: ["", "{", "[1,]", "{\"a\"}", "01", "1.", "\"\\x\"", "\"\u{01}\"", "nul", "[1] 2", "\"\\ud800\""])
    func invalid(_ text: String) { #expect(JSON.parse(Bytes(text.utf8)) == nil) }

    @Test("nesting deeper than the limit is refused, not a stack overflow") func deep() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSON.parse(Bytes(text.utf8)) == nil)
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(JSON.parse(Bytes(ok.utf8)) != nil)
    }

    @Test("strings escape quotes, controls and < for HTML") func escaping() {
        let v = JSON.string("a\"<\u{01}\n")
        #expect(String(decoding: v.encoded, as: UTF8.self) == #""a\"\u003c\u0001\n""#)
    }

    @Test("base64 round-trips and rejects bad input") func base64() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let e = Base64.encode(Bytes(s.utf8))
            #expect(Base64.decode(e) == Bytes(s.utf8))
        }
        #expect(Base64.encode(Bytes("guest:guest".utf8)) == "Z3Vlc3Q6Z3Vlc3Q=")
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64.decode("Zg=a") == nil)
        #expect(Base64.decode("Z===") == nil)
    }

    @Test("responses carry content-length, and none on 204") func response() {
        var out = Bytes()
        HTTPResponse(status: .ok, contentType: "application/json", body: Bytes("{}".utf8)).write(
            into: &out, close: true)
        let text = String(decoding: out, as: UTF8.self)
        #expect(
            text
                == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
        )
        var nc = Bytes()
        HTTPResponse(status: .noContent).write(into: &nc)
        #expect(String(decoding: nc, as: UTF8.self) == "HTTP/1.1 204 No Content\r\n\r\n")
    }
}
