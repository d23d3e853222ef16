// Session tests for the one method switch and channel-owned state: what the default case answers,
// class 10 on a channel, channel.close from both sides, and delivery backpressure resuming on
// outputDrained (the server's drain hook) rather than on cron.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

@Suite("Channel: dispatch and backpressure") struct ChannelDispatchTests {
    @Test("a server-only method on a channel is 503, naming it; class 10 on a channel is 503 too")
    func serverOnlyAndConnectionClass() {
        let h = AMQPHarness.running()
        _ = h.take()
        h.send(.queueDeclareOk(.init(queue: bytes("q"))), channel: 1)
        #expect(h.closes() == [CloseInfo(503, "COMMAND_INVALID - unimplemented method", 50, 11)])
        let h2 = AMQPHarness.running()
        _ = h2.take()
        h2.send(.connectionTuneOk(.init(channelMax: 1, frameMax: 4096, heartbeat: 0)), channel: 1)
        #expect(h2.closes() == [CloseInfo(503, "COMMAND_INVALID - unimplemented method", 10, 31)])
    }

    @Test("channel.close from the client frees the number at once; ours waits for close-ok") func closeBothWays() {
        let h = AMQPHarness.running()
        h.send(.channelClose(.init(replyCode: 200, replyText: bytes("bye"))), channel: 1)
        #expect(h.methods() == [.channelCloseOk(.init())])
        #expect(h.session.channel(1) == nil && h.session.channelCount == 0)
        h.openChannel(1)
        _ = h.take()
        h.send(.basicAck(.init(deliveryTag: 9)), channel: 1)
        #expect(h.closes() == [CloseInfo(406, "PRECONDITION_FAILED - unknown delivery tag 9", 60, 80)])
        #expect(h.session.channelCount == 1 && h.session.channel(1) == nil)  // closing: still taken
        h.send(.basicQos(.init(prefetchCount: 1)), channel: 1)  // ignored while closing
        #expect(h.methods() == [])
        h.send(.channelCloseOk(.init()), channel: 1)
        #expect(h.session.channelCount == 0)
    }

    @Test("deliveries paused for a full outbox resume on outputDrained, without cron") func resumeOnDrain() {
        let h = AMQPHarness.running()
        h.declare("q")
        let body = String(repeating: "x", count: 1 << 20)
        for _ in 0..<8 { h.publish(body, rk: "q") }
        _ = h.take()
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"), noAck: true)), channel: 1)
        let first = h.received().filter { if case .basicDeliver = $0.method { true } else { false } }.count
        #expect(first == 4)  // stopped once more than 4 MiB were waiting in the outbox
        h.send(.basicQos(.init(prefetchCount: 0)), channel: 1)  // a method no longer resumes them
        #expect(h.received().map(\.method) == [.basicQosOk(.init())])
        h.session.outputDrained()  // the socket took it all (take() emptied the outbox)
        let rest = h.received().filter { if case .basicDeliver = $0.method { true } else { false } }.count
        #expect(rest == 4)
        h.session.outputDrained()  // nothing paused: a no-op
        #expect(h.take().isEmpty)
    }
}
