// The HTTP request parser: whole requests, drip-fed bytes, pipelining, and every limit and
// malformed-input refusal with its status code.
import LatchkeyCore
import LatchkeyHTTP
import Testing

/// Feeds `chunks` as a connection would (unconsumed bytes offered again with more appended) and
/// returns the requests and the failure, if any.
func feed(_ chunks: [Bytes], limits: HTTPLimits = HTTPLimits()) -> (requests: [HTTPRequest], failure: HTTPStatus?) {
    var parser = HTTPRequestParser(limits: limits)
    var buffer = Bytes()
    var out: [HTTPRequest] = []
    for chunk in chunks {
        buffer.append(contentsOf: chunk)
        while true {
            let result = buffer.withUnsafeBytes { parser.next($0) }
            switch result {
            case .needMoreData: break
            case .failure(let s): return (out, s)
            case .request(let r, let consumed):
                out.append(r)
                buffer.removeFirst(consumed)
                continue
            }
            break
        }
    }
    return (out, nil)
}

func bytes(_ s: String) -> Bytes { Bytes(s.utf8) }

@Suite("HTTPRequestParser") struct HTTPRequestParserTests {
    let get = "GET /api/queues/%2F/q?columns=name HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n\r\n"
    let post = "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"

    @Test("a whole GET is parsed with lower-cased header names") func wholeGet() {
        let (r, f) = feed([bytes(get)])
        #expect(f == nil)
        #expect(r.count == 1)
        #expect(r[0].method == "GET")
        #expect(r[0].target == "/api/queues/%2F/q?columns=name")
        #expect(r[0].header("authorization") == "Basic Z3Vlc3Q6Z3Vlc3Q=")
        #expect(r[0].keepAlive)
    }

    @Test("byte-by-byte feeding gives the same requests, bodies included") func dripFeed() {
        let all = bytes(get + post)
        let (r, f) = feed(all.map { [$0] })
        #expect(f == nil)
        #expect(r.count == 2)
        #expect(r[1].body == bytes("hello"))
        #expect(r[1].method == "POST")
    }

    @Test("pipelined requests in one read are all returned") func pipelined() {
        let (r, _) = feed([bytes(get + post + get)])
        #expect(r.map(\.method) == ["GET", "POST", "GET"])
    }

    @Test("Connection: close and HTTP/1.0 turn keep-alive off") func keepAlive() {
        let (r, _) = feed([bytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.0\r\n\r\n")])
        #expect(r.count == 2)
        #expect(!r[0].keepAlive)
        #expect(!r[1].keepAlive)
        let (k, _) = feed([bytes("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")])
        #expect(k[0].keepAlive)
    }

    @Test("a long request line is 414 before its end arrives") func uriTooLong() {
        var l = HTTPLimits()
        l.maxRequestLine = 64
        let (_, f) = feed([bytes("GET /" + String(repeating: "a", count: 100))], limits: l)
        #expect(f == .uriTooLong)
    }

    @Test("too many header bytes or fields is 431 before the end of headers") func headersTooLarge() {
        var l = HTTPLimits()
        l.maxHeaderBytes = 128
        let (_, f) = feed([bytes("GET / HTTP/1.1\r\nHost: x\r\nX-A: " + String(repeating: "b", count: 200))], limits: l)
        #expect(f == .headerFieldsTooLarge)
        var c = HTTPLimits()
        c.maxHeaderCount = 3
        let many = (0..<5).map { "X-\($0): v\r\n" }.joined()
        let (_, g) = feed([bytes("GET / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n")], limits: c)
        #expect(g == .headerFieldsTooLarge)
    }

    @Test("a Content-Length over the limit is 413 before the body is read") func bodyTooLarge() {
        var l = HTTPLimits()
        l.maxBody = 10
        let (_, f) = feed([bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")], limits: l)
        #expect(f == .payloadTooLarge)
        let (_, g) = feed([bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999\r\n\r\n")])
        #expect(g == .payloadTooLarge)
    }

    @Test(
        "malformed requests are 400",
        arguments: [
            "GET /\r\nHost: x\r\n\r\n", "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/x.1\r\nHost: x\r\n\r\n",
        ]) func malformed(_ text: String)
    { #expect(feed([bytes(text)]).failure == .badRequest) }

    @Test("chunked request bodies are 501 and HTTP/2 is 505") func unsupported() {
        #expect(
            feed([bytes("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")]).failure == .notImplemented
        )
        #expect(feed([bytes("GET / HTTP/2.0\r\nHost: x\r\n\r\n")]).failure == .versionNotSupported)
    }

    @Test("bare LF line ends and leading blank lines are accepted") func lenient() {
        let (r, f) = feed([bytes("\r\nGET / HTTP/1.1\nHost: x\n\n")])
        #expect(f == nil)
        #expect(r.count == 1)
    }
}
