import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
import Testing

@testable import LatchkeyCommands

/// A small deterministic generator (SplitMix64), so a failure reproduces from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Random command streams") struct RandomCommandsTests {
    // The (un)subscribe family answers once per channel (several replies by design), so it is
    // covered by PubSubCommandsTests instead. Blocking commands are left out too: a client that
    // blocks reads no more commands (covered by ListBlockingTests).
    static let names = CommandTable.all.filter { !$0.flags.contains(.blocking) }.map { $0.name }.filter {
        ![
            "quit", "shutdown", "bgrewriteaof", "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe",
            "sunsubscribe",
        ].contains($0)
    }
    static let words = [
        "NX", "XX", "GT", "LT", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET", "IFEQ", "IFNE", "IFDEQ", "IFDNE", "MATCH",
        "COUNT", "TYPE", "ID", "SETNAME", "LIB-NAME", "AUTH", "default", "3", "2", "0", "1", "-1",
        "9223372036854775807", "-9223372036854775808", "9999999999999999", "k", "lock", "*", "a b", "", "\r\n", "1.5",
        "string", "save", "ON", "SKIPME", "no", "ADDR", "15", "16",
    ]

    @Test(
        "thousands of random commands never crash and each gets exactly one well-formed reply",
        arguments: [UInt64(1), 2, 3, 4]) func stream(seed: UInt64) throws
    {
        var rng = SeededRandom(state: seed)
        let t = Transcript()
        for _ in 0..<3000 {
            var argv = [Self.names.randomElement(using: &rng)!]
            if Bool.random(using: &rng),
                let sub = CommandTable.all.first(where: { $0.name == argv[0] })?.subcommands.randomElement(using: &rng)
            {
                argv.append(sub.name)
            }
            for _ in 0..<Int.random(in: 0...5, using: &rng) { argv.append(Self.words.randomElement(using: &rng)!) }
            if Int.random(in: 0..<50, using: &rng) == 0 { t.advance(ms: Int64.random(in: 0...2000, using: &rng)) }
            let replies = t.raw(Transcript.encode(argv))
            #expect(replies.count == 1, "\(argv) → \(replies.map(\.debugText))")
            if case .error(let e) = replies.first, e.string.hasPrefix("UNPARSEABLE") {
                Issue.record("unparseable reply to \(argv)")
            }
            if t.info.outbox.closeAfterFlush { return }
        }
    }

    @Test(
        "random protocol fragments through a session never crash and always leave parseable output",
        arguments: [UInt64(11), 12, 13]) func fragments(seed: UInt64)
    {
        var rng = SeededRandom(state: seed)
        let tokens = [
            "*", "$", "\r\n", "\n", "1", "2", "3", "-1", "0", "SET", "GET", "k", "v", "PX", "\"", "'", " ", "\\x41",
            "PING", "MULTI", "EXEC", "HELLO", "99999999999",
        ]
        let t = Transcript()
        for _ in 0..<500 {
            let (info, session) = Transcript.connect(t.engine, t.context)
            var input = ""
            for _ in 0..<Int.random(in: 1...40, using: &rng) { input += tokens.randomElement(using: &rng)! }
            let bytes = Bytes(input.utf8)
            t.context.refreshNow()
            let consumed = bytes.withUnsafeBytes { session.receive($0) }
            #expect(consumed <= bytes.count)
            let out = info.outbox.bytes
            #expect((try? RESPReplyParser.parseAll(out)) != nil, "unparseable output for \(input.debugDescription)")
            session.connectionClosed()
        }
    }
}
