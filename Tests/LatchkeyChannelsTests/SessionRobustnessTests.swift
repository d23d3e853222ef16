// Deterministic pseudo-random frames and garbage fed to a session after a valid handshake: the
// session must never trap, must answer only with well-formed frames, and whatever it closes it
// closes with a connection.close or channel.close that carries a known reply code.
import LatchkeyAMQP
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

/// SplitMix64, so failures reproduce from the seed.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func bytes(_ n: Int) -> Bytes { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

@Suite("AMQP session robustness") struct SessionRobustnessTests {
    static let knownCodes: Set<UInt16> = [403, 404, 405, 406, 501, 502, 503, 504, 505, 506, 530, 540, 541]

    @Test("random well-framed frames never crash the session", arguments: 0..<40) func randomFrames(_ seed: Int) {
        var rng = SplitMix(state: UInt64(seed))
        let h = AMQPHarness(config: ["amqp-max-message-size": "1000"])
        h.handshake(frameMax: 4096)
        h.openChannel(1)
        for _ in 0..<50 {
            let type = [1, 2, 3, 8, UInt8(rng.below(256))][rng.below(5)]
            let channel = UInt16(rng.below(3))
            var payload: Bytes
            switch rng.below(3) {
            case 0:
                // A real method header with random arguments.
                let ids: [(UInt16, UInt16)] = [(10, 50), (20, 10), (20, 40), (60, 40), (50, 10), (60, 80), (99, 9)]
                let (c, m) = ids[rng.below(ids.count)]
                payload = []
                payload.appendU16(c)
                payload.appendU16(m)
                payload += rng.bytes(rng.below(40))
            default: payload = rng.bytes(rng.below(64))
            }
            h.feed(AMQPHarness.rawFrame(type: type, channel: channel, payload: payload))
            for o in h.take() {
                if case .raw(let r) = o { Issue.record("malformed output \(r)") }
                if case .method(_, let m) = o, let c = CloseInfo(m) {
                    #expect(Self.knownCodes.contains(c.code), "\(c)")
                }
            }
            if h.closed { break }
        }
    }

    @Test("random garbage bytes never crash the session", arguments: 0..<40) func garbage(_ seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &+ 1000)
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        for _ in 0..<20 {
            h.feed(rng.bytes(rng.below(300)))
            for o in h.take() { if case .raw(let r) = o { Issue.record("malformed output \(r)") } }
            if h.closed { break }
        }
    }
}
