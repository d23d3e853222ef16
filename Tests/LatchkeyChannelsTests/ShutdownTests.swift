// Server shutdown as the AMQP front end sees it: AMQPFrontEnd.shutdown() closes every open
// connection with RabbitMQ's 320 CONNECTION_FORCED text and waits for close-ok; connections still
// in the handshake are dropped without a frame.
import LatchkeyAMQP
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

@Suite("AMQP shutdown") struct ShutdownTests {
    @Test("shutdown - every open connection gets connection.close 320 CONNECTION_FORCED, socket closes at close-ok")
    func forcedClose() {
        let a = AMQPHarness.running()
        let b = AMQPHarness(sharing: a)
        b.handshake()
        _ = a.take()
        _ = b.take()
        a.front.shutdown()
        let forced = CloseInfo(320, "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'")
        #expect(a.closes() == [forced])
        #expect(b.closes() == [forced])
        #expect(!a.closed)
        #expect(a.session.channelCount == 0)  // channels released at once (requeues before the log's last write)
        a.send(.connectionCloseOk(.init()))
        #expect(a.closed)
    }

    @Test("shutdown - a connection still in the handshake is dropped without connection.close") func handshakeDropped()
    {
        let h = AMQPHarness()
        h.feed(Bytes("AMQP".utf8) + [0, 0, 9, 1])
        _ = h.take()
        h.front.shutdown()
        #expect(h.take().isEmpty)
        #expect(h.closed)
    }
}
