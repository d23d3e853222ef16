// The server clock (LATCHKEY CLOCK's model) and the `.port` directive kind (`amqp-port off`).
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@Suite("ServerClock") struct ServerClockTests {
    @Test("CLOCK - follows the real clock until moved") func followsReal() {
        let real = ManualClock(now: 1_000)
        let c = ServerClock(base: real)
        real.advance(ms: 5)
        #expect(c.nowMs() == 1_005 && !c.isAdjusted)
    }

    @Test("CLOCK ADVANCE - moves forward only, checks overflow") func advance() {
        let real = ManualClock(now: 1_000)
        let c = ServerClock(base: real)
        #expect(c.advance(by: 500))
        #expect(c.nowMs() == 1_500)
        #expect(c.nowMicros(realMicros: 1_000_123) == 1_500_123)
        real.advance(ms: 10)
        #expect(c.nowMs() == 1_510)
        #expect(!c.advance(by: -1))
        #expect(!c.advance(by: Int64.max))
        #expect(!c.advance(by: ServerClock.maxMs))
        #expect(c.nowMs() == 1_510)
        #expect(c.advance(by: ServerClock.maxMs - 1_510))
    }

    @Test("CLOCK FREEZE/RESUME - frozen clocks move only when told, resume where they stood") func freeze() {
        let real = ManualClock(now: 1_000)
        let c = ServerClock(base: real)
        c.freeze()
        real.advance(ms: 100)
        #expect(c.nowMs() == 1_000)
        #expect(c.advance(by: 50))
        #expect(c.nowMs() == 1_050 && c.nowMicros(realMicros: 0) == 1_050_000)
        c.resume()
        #expect(c.nowMs() == 1_100)  // never back: real time (1_100) had passed the frozen 1_050
        c.freeze()
        #expect(c.advance(by: 1_000))
        c.resume()
        #expect(c.nowMs() == 2_100)
        real.advance(ms: 1)
        #expect(c.nowMs() == 2_101)
    }

    @Test("RESET - back on real time") func reset() {
        let real = ManualClock(now: 1_000)
        let c = ServerClock(base: real)
        _ = c.advance(by: 9_000)
        c.freeze()
        c.reset()
        #expect(c.nowMs() == 1_000 && !c.isAdjusted && !c.isFrozen)
    }

    @Test("amqp-port - 0 picks a free port, off turns the listener off, nothing else") func portKind() {
        let config = Config()
        #expect(config.set("amqp-port", "0") == nil && config.int(.amqpPort) == 0)
        #expect(config.set("amqp-port", "OFF") == nil && config.int(.amqpPort) == -1)
        #expect(config.string(.amqpPort) == "off")
        #expect(config.set("amqp-port", "-1") == "argument must be between 0 and 65535 inclusive, or 'off'")
        #expect(config.set("amqp-port", "65536") == "argument must be between 0 and 65535 inclusive, or 'off'")
        #expect(config.set("amqp-port", "none") == "argument must be a port number or 'off'")
        #expect(config.set("amqp-port", "5673") == nil && config.int(.amqpPort) == 5673)
    }
}
