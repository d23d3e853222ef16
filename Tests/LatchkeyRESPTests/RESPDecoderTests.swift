import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyRESP

/// One decoded event, for comparisons.
enum Decoded: Equatable {
    case command([String])
    case error(String)
}

/// Decodes everything `buffer` holds with one persistent decoder (as a session does).
/// After a protocol error the connection is closing, so later bytes are discarded, as a session does.
final class Closed { var value = false }

func decodeAll(_ decoder: RESPDecoder) -> (UnsafeRawBufferPointer) -> (items: [Decoded], consumed: Int) {
    let closed = Closed()
    return { buf in
        if closed.value { return ([], buf.count) }
        var offset = 0
        var items: [Decoded] = []
        while true {
            switch decoder.next(buf, offset: &offset) {
            case .command: items.append(.command(decoder.argv.map { $0.string }))
            case .needMoreData: return (items, offset)
            case .protocolError(let t):
                items.append(.error(t))
                closed.value = true
                return (items, buf.count)
            }
        }
    }
}

func feedAllWays(_ input: String, limits: RESPLimits = RESPLimits()) -> [[Decoded]] {
    let bytes = Bytes(input.utf8)
    let f = DripFeed.feedings(bytes)
    let whole = DripFeed.run(f.whole, decodeAll(RESPDecoder(limits: limits))).items
    let dripped = DripFeed.run(f.bytes, decodeAll(RESPDecoder(limits: limits))).items
    return [whole, dripped]
}

@Suite("RESPDecoder") struct RESPDecoderTests {
    @Test(
        "multibulk requests decode the same whole, byte by byte and concatenated",
        arguments: [
            ("*1\r\n$4\r\nPING\r\n", [["PING"]]),
            (
                "*3\r\n$3\r\nSET\r\n$4\r\nlock\r\n$22\r\n0123456789abcdefghijkl\r\n",
                [["SET", "lock", "0123456789abcdefghijkl"]]
            ), ("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", [["GET", ""]]),
            ("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", [["PING"], ["ECHO", "hi"]]),
            ("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", [["PING"]]),
        ]) func multibulk(input: String, expected: [[String]])
    {
        let want = expected.map { Decoded.command($0) }
        for result in feedAllWays(input) { #expect(result == want) }
        let twice = DripFeed.run([Bytes((input + input).utf8)], decodeAll(RESPDecoder())).items
        #expect(twice == want + want)
    }

    @Test("binary-safe arguments keep CR, LF and NUL bytes") func binary() {
        let input = "*2\r\n$4\r\nECHO\r\n$5\r\na\r\n\0b\r\n"
        for result in feedAllWays(input) { #expect(result == [.command(["ECHO", "a\r\n\0b"])]) }
    }

    @Test(
        "inline requests split on blanks and understand quotes and escapes",
        arguments: [
            ("PING\r\n", [["PING"]]), ("PING\n", [["PING"]]), ("set  k   v\r\n", [["set", "k", "v"]]),
            ("SET k \"a b\\x41\\n\"\r\n", [["SET", "k", "a bA\n"]]), ("SET k 'it\\'s'\r\n", [["SET", "k", "it's"]]),
            ("\r\n\nPING\r\n", [["PING"]]), ("SET k \"\"\r\n", [["SET", "k", ""]]),
        ]) func inline(input: String, expected: [[String]])
    { for result in feedAllWays(input) { #expect(result == expected.map { Decoded.command($0) }) } }

    @Test(
        "protocol errors carry Redis's exact text",
        arguments: [
            ("*x\r\n", "Protocol error: invalid multibulk length"),
            ("*1\r\n:5\r\n", "Protocol error: expected '$', got ':'"),
            ("*1\r\n$-1\r\n", "Protocol error: invalid bulk length"),
            ("*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"),
            ("*1\r\n$abc\r\n", "Protocol error: invalid bulk length"),
            ("SET k \"abc\r\n", "Protocol error: unbalanced quotes in request"),
            ("SET k \"a\"b\r\n", "Protocol error: unbalanced quotes in request"),
            ("*2147483648\r\n", "Protocol error: invalid multibulk length"),
        ]) func errors(input: String, text: String)
    { for result in feedAllWays(input) { #expect(result == [.error(text)]) } }

    @Test("the bulk limit is enforced on the length prefix, before the data arrives") func bulkLimitOnPrefix() {
        let d = RESPDecoder(limits: RESPLimits(maxBulkLength: 100))
        let (items, _) = DripFeed.run([Bytes("*2\r\n$3\r\nGET\r\n$101\r\n".utf8)], decodeAll(d))
        #expect(items == [.error("Protocol error: invalid bulk length")])
    }

    @Test("the argument-count limit is enforced on the count") func multibulkLimit() {
        let d = RESPDecoder(limits: RESPLimits(maxMultibulkLength: 3))
        let (items, _) = DripFeed.run([Bytes("*4\r\n".utf8)], decodeAll(d))
        #expect(items == [.error("Protocol error: invalid multibulk length")])
    }

    @Test("an inline request longer than the limit without a newline is refused") func inlineLimit() {
        let d = RESPDecoder(limits: RESPLimits(maxInlineLength: 16))
        let (items, _) = DripFeed.run([Bytes(repeating: 65, count: 17)], decodeAll(d))
        #expect(items == [.error("Protocol error: too big inline request")])
        let d2 = RESPDecoder(limits: RESPLimits(maxInlineLength: 16))
        let (items2, _) = DripFeed.run([Bytes("*1\r\n$".utf8) + Bytes(repeating: 49, count: 20)], decodeAll(d2))
        #expect(items2 == [.error("Protocol error: too big bulk count string")])
    }

    @Test("an over-long inline line is refused the same way whole or dripped (found by the fuzzer)")
    func inlineLimitSplitIndependent() {
        let line = String(repeating: "w", count: 40) + " " + String(repeating: "x", count: 20) + "\n"
        for result in feedAllWays(line, limits: RESPLimits(maxInlineLength: 48)) {
            #expect(result == [.error("Protocol error: too big inline request")])
        }
    }

    @Test("unauthenticated clients get Redis's tighter caps") func unauthenticated() {
        let d = RESPDecoder()
        d.authenticated = false
        let (items, _) = DripFeed.run([Bytes("*11\r\n".utf8)], decodeAll(d))
        #expect(items == [.error("Protocol error: unauthenticated multibulk length")])
        let d2 = RESPDecoder()
        d2.authenticated = false
        let (items2, _) = DripFeed.run([Bytes("*1\r\n$16385\r\n".utf8)], decodeAll(d2))
        #expect(items2 == [.error("Protocol error: unauthenticated bulk length")])
    }

    @Test("a partial request consumes nothing and leaves the bytes for the next read") func partial() {
        let d = RESPDecoder()
        let input = Bytes("*2\r\n$3\r\nGET\r\n$4\r\nlo".utf8)
        let (items, leftover) = DripFeed.run([input], decodeAll(d))
        #expect(items.isEmpty)
        #expect(leftover == input)
    }

    @Test("thousands of pipelined commands decode in order") func pipeline() {
        var s = ""
        for i in 0..<2000 { s += "*2\r\n$3\r\nGET\r\n$\(String(i).count)\r\n\(i)\r\n" }
        let (items, leftover) = DripFeed.run([Bytes(s.utf8)], decodeAll(RESPDecoder()))
        #expect(items.count == 2000)
        #expect(items.last == .command(["GET", "1999"]))
        #expect(leftover.isEmpty)
    }

    @Test("a long request arriving in many reads resumes where it stopped and decodes intact") func resumed() {
        var s = "*5001\r\n$3\r\nDEL\r\n"
        for i in 0..<5000 { s += "$\(String(i).count)\r\n\(i)\r\n" }
        s += "*1\r\n$4\r\nPING\r\n"
        let bytes = Bytes(s.utf8)
        var chunks: [Bytes] = []
        var i = 0
        while i < bytes.count {
            chunks.append(Array(bytes[i..<min(i + 97, bytes.count)]))
            i += 97
        }
        let (items, leftover) = DripFeed.run(chunks, decodeAll(RESPDecoder()))
        #expect(items == [.command(["DEL"] + (0..<5000).map(String.init)), .command(["PING"])])
        #expect(leftover.isEmpty)
    }

    @Test("more than 16 arguments grow the reused argv storage") func manyArgs() {
        var s = "*40\r\n$3\r\nDEL\r\n"
        for i in 0..<39 { s += "$\(String(i).count)\r\n\(i)\r\n" }
        for result in feedAllWays(s) { #expect(result == [.command(["DEL"] + (0..<39).map(String.init))]) }
    }
}
