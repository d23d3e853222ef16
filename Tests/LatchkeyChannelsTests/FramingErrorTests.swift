// Issue 4's error paths after a valid handshake, fed as frames: oversized and malformed frames,
// frames on unopened channels, methods on channel 0, content out of sequence, message size limit,
// garbage — each must produce RabbitMQ's close code and text, and only close what RabbitMQ closes.
import LatchkeyAMQP
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

func closes(_ h: AMQPHarness) -> [CloseInfo] { h.methods().compactMap(CloseInfo.init) }

func publishFrames(channel: UInt16, declared: UInt64, bodies: [Bytes]) -> Bytes {
    var out = AMQPHarness.frame(.basicPublish(.init(routingKey: Bytes("q".utf8))), channel: channel)
    FrameEncoder.contentHeader(channel: channel, bodySize: declared, properties: BasicProperties(), into: &out)
    for b in bodies { out += AMQPHarness.rawFrame(type: 3, channel: channel, payload: b) }
    return out
}

@Suite("AMQP framing and channel error paths") struct FramingErrorTests {
    @Test("oversized frame is 501 FRAME_ERROR with RabbitMQ's detail, before the payload arrives") func oversized() {
        let h = AMQPHarness()
        h.handshake(frameMax: 4096)
        h.openChannel(1)
        h.feed([3, 0, 1, 0, 0, 0x27, 0x10])  // header only: body frame of 10000 bytes
        #expect(closes(h) == [CloseInfo(501, "FRAME_ERROR - type 3, all octets = <<>>: {frame_too_large,10000,4088}")])
        #expect(h.session.channelCount == 0)
        h.send(.connectionCloseOk(.init()))
        #expect(h.closed)
    }

    @Test("bad frame-end octet and unknown frame type are 501") func badEndAndType() {
        let h = AMQPHarness()
        h.handshake()
        var f = AMQPHarness.frame(.channelOpen(.init()), channel: 1)
        f[f.count - 1] = 0x00
        h.feed(f)
        #expect(
            closes(h) == [
                CloseInfo(501, "FRAME_ERROR - type 1, all octets = <<0,20,0,10,0>>: {invalid_frame_end_marker,0}")
            ])

        let h2 = AMQPHarness()
        h2.handshake()
        h2.feed(AMQPHarness.rawFrame(type: 7, channel: 0, payload: []))
        #expect(closes(h2) == [CloseInfo(501, "FRAME_ERROR - type 7, all octets = <<>>: unknown_frame")])
    }

    @Test("garbage after a valid handshake closes with a frame error, not a crash") func garbage() {
        let h = AMQPHarness()
        h.handshake()
        h.feed(Bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let c = closes(h)
        #expect(c.count == 1 && c.first?.code == 501)
        // Everything after our close is ignored until close-ok.
        h.send(.channelOpen(.init()), channel: 1)
        #expect(h.take().isEmpty)
        h.send(.connectionCloseOk(.init()))
        #expect(h.closed)
    }

    @Test("a method on a channel that was never opened is 504 expected 'channel.open'") func closedChannel() {
        let h = AMQPHarness()
        h.handshake()
        h.send(.queueDeclare(.init(queue: Bytes("q".utf8))), channel: 3)
        #expect(closes(h) == [CloseInfo(504, "CHANNEL_ERROR - expected 'channel.open'", 50, 10)])
    }

    @Test("a method on a channel after channel.close/close-ok is 504 again") func reusedAfterClose() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.channelClose(.init(replyCode: 200)), channel: 1)
        #expect(h.methods() == [.channelCloseOk(.init())])
        h.send(.basicGet(.init(queue: Bytes("q".utf8))), channel: 1)
        #expect(closes(h) == [CloseInfo(504, "CHANNEL_ERROR - expected 'channel.open'", 60, 70)])
    }

    @Test("a closed channel number can be opened again") func reopen() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.channelClose(.init()), channel: 1)
        _ = h.take()
        h.send(.channelOpen(.init()), channel: 1)
        #expect(h.methods() == [.channelOpenOk(.init())])
    }

    @Test("second channel.open on an open channel is 504") func secondChannelOpen() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.channelOpen(.init()), channel: 1)
        #expect(closes(h) == [CloseInfo(504, "CHANNEL_ERROR - second 'channel.open' seen", 20, 10)])
    }

    @Test("a non-connection method on channel 0 is 504 unexpected method") func methodOnChannelZero() {
        let h = AMQPHarness()
        h.handshake()
        h.send(.queueDeclare(.init(queue: Bytes("q".utf8))), channel: 0)
        #expect(closes(h) == [CloseInfo(504, "CHANNEL_ERROR - unexpected method in connection state running", 50, 10)])
    }

    @Test("heartbeat on a channel other than 0 is 505") func heartbeatOnChannel() {
        let h = AMQPHarness()
        h.handshake()
        h.feed(AMQPHarness.rawFrame(type: 8, channel: 1, payload: []))
        #expect(closes(h) == [CloseInfo(505, "UNEXPECTED_FRAME - type 8, all octets = <<>>")])
    }

    @Test("channel frames before connection.open are 505") func channelBeforeOpen() {
        let h = AMQPHarness()
        h.header()
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: AMQPHarness.plain("guest", "guest"))))
        h.send(.connectionTuneOk(.init(channelMax: 2047, frameMax: 131072, heartbeat: 0)))
        _ = h.take()
        h.send(.channelOpen(.init()), channel: 1)
        #expect(closes(h).first?.code == 505)
    }

    @Test("content header with no preceding publish is 505 expected method frame") func headerWithoutMethod() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        var f: Bytes = []
        FrameEncoder.contentHeader(channel: 1, bodySize: 1, properties: BasicProperties(), into: &f)
        h.feed(f)
        #expect(closes(h) == [CloseInfo(505, "UNEXPECTED_FRAME - expected method frame, got non method frame instead")])
    }

    @Test("a method in the middle of a content body is 505 expected content body") func methodMidBody() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.feed(publishFrames(channel: 1, declared: 10, bodies: [[1, 2, 3]]))
        #expect(h.take().isEmpty)
        h.send(.basicQos(.init(prefetchCount: 1)), channel: 1)
        #expect(
            closes(h) == [
                CloseInfo(505, "UNEXPECTED_FRAME - expected content body, got non content body frame instead", 60, 40)
            ])
    }

    @Test("a method where the content header is due is 505 expected content header") func methodInsteadOfHeader() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.basicPublish(.init()), channel: 1)
        h.send(.basicPublish(.init()), channel: 1)
        #expect(
            closes(h) == [
                CloseInfo(
                    505,
                    "UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead", 60,
                    40)
            ])
    }

    @Test("other channels may interleave with a content in progress") func interleave() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.feed(publishFrames(channel: 1, declared: 10, bodies: [[1, 2, 3]]))
        h.send(.channelOpen(.init()), channel: 2)
        #expect(h.methods() == [.channelOpenOk(.init())])
    }

    @Test("a body larger than declared is 505 with the text RabbitMQ gives on the next frame") func bodyTooLong() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.feed(publishFrames(channel: 1, declared: 2, bodies: [[1, 2, 3]]))
        #expect(
            closes(h) == [
                CloseInfo(505, "UNEXPECTED_FRAME - expected content body, got non content body frame instead", 60, 40)
            ])
    }

    @Test("method arguments with trailing or missing bytes are 501 cannot decode (RabbitMQ's text)")
    func undecodableArguments() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.feed(AMQPHarness.rawFrame(type: 1, channel: 1, payload: [0, 60, 0, 80] + Bytes(repeating: 0, count: 10)))
        #expect(closes(h) == [CloseInfo(501, "FRAME_ERROR - cannot decode <<0,0,0,0,0,0,0,0,0,0>>", 60, 80)])

        let h2 = AMQPHarness()
        h2.handshake()
        h2.openChannel(1)
        h2.feed(AMQPHarness.rawFrame(type: 1, channel: 1, payload: [0, 50, 0, 10, 0, 0, 3] + Bytes("abc".utf8)))
        #expect(closes(h2) == [CloseInfo(501, "FRAME_ERROR - cannot decode <<0,0,3,97,98,99>>", 50, 10)])
    }

    @Test("heartbeat with a payload is 501 unknown_frame, printable octets shown as a string") func heartbeatPayload() {
        let h = AMQPHarness()
        h.handshake()
        h.feed(AMQPHarness.rawFrame(type: 8, channel: 0, payload: Bytes("abc".utf8)))
        #expect(closes(h) == [CloseInfo(501, "FRAME_ERROR - type 8, all octets = <<\"abc\">>: unknown_frame")])
    }

    @Test("unsolicited channel.close-ok or flow-ok on an open channel is 503 unimplemented method")
    func unsolicitedChannelReplies() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.channelCloseOk(.init()), channel: 1)
        #expect(closes(h) == [CloseInfo(503, "COMMAND_INVALID - unimplemented method", 20, 41)])
    }

    @Test("a message above amqp-max-message-size closes only the channel with 406") func tooLargeMessage() {
        let h = AMQPHarness(config: ["amqp-max-message-size": "100"])
        h.handshake()
        h.openChannel(1)
        h.openChannel(2)
        h.feed(publishFrames(channel: 1, declared: 200, bodies: [Bytes(repeating: 7, count: 200)]))
        #expect(
            closes(h) == [
                CloseInfo(406, "PRECONDITION_FAILED - message size 200 is larger than configured max size 100", 60, 40)
            ])
        // The body frames that follow are discarded, the connection and channel 2 stay usable.
        #expect(!h.closed && h.session.isRunning)
        #expect(h.session.channel(1) == nil && h.session.channel(2) != nil)
        h.send(.channelCloseOk(.init()), channel: 1)
        h.send(.channelOpen(.init()), channel: 1)
        #expect(h.methods() == [.channelOpenOk(.init())])
    }

    @Test("after the server closes a channel only channel.close/close-ok are read") func closingChannelIgnores() {
        let h = AMQPHarness(config: ["amqp-max-message-size": "1"])
        h.handshake()
        h.openChannel(1)
        h.feed(publishFrames(channel: 1, declared: 5, bodies: [[1, 2, 3, 4, 5]]))
        _ = h.take()
        h.send(.basicQos(.init()), channel: 1)
        h.send(.channelOpen(.init()), channel: 1)
        #expect(h.take().isEmpty)
        h.send(.channelClose(.init()), channel: 1)
        #expect(h.methods() == [.channelCloseOk(.init())])
    }

    @Test("channel_max from tune-ok limits open channels with 530") func channelMax() {
        let h = AMQPHarness()
        h.handshake(channelMax: 2)
        h.openChannel(1)
        h.openChannel(7)
        h.send(.channelOpen(.init()), channel: 3)
        #expect(
            closes(h) == [
                CloseInfo(530, "NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)")
            ])
    }

    @Test("channel.flow active=true is acknowledged, active=false is 540") func flow() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.channelFlow(.init(active: true)), channel: 1)
        #expect(h.methods() == [.channelFlowOk(.init(active: true))])
        h.send(.channelFlow(.init(active: false)), channel: 1)
        #expect(closes(h) == [CloseInfo(540, "NOT_IMPLEMENTED - active=false", 20, 20)])
    }

    @Test("an undecodable field table is 502 SYNTAX_ERROR naming the method") func syntaxError() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        var payload: Bytes = [0, 50, 0, 10, 0, 0, 1, 0x71, 0]
        payload += [0, 0, 0, 4, 1, 0x6B, 0x5A, 0]  // table {k: 'Z' ...}
        h.feed(AMQPHarness.rawFrame(type: 1, channel: 1, payload: payload))
        #expect(
            closes(h) == [
                CloseInfo(502, "SYNTAX_ERROR - cannot decode queue.declare: unknown field table type 'Z'", 50, 10)
            ])
    }

    @Test("an unknown class/method is 540") func unknownMethod() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.feed(AMQPHarness.rawFrame(type: 1, channel: 1, payload: [0, 99, 0, 1]))
        #expect(closes(h) == [CloseInfo(540, "NOT_IMPLEMENTED - unknown method class 99 method 1")])
    }

    @Test("channel exceptions raised through the package API close only that channel") func closeChannelAPI() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.session.closeChannel(1, with: .notFound("no queue 'nope' in vhost '/'", classID: 50, methodID: 10))
        #expect(closes(h) == [CloseInfo(404, "NOT_FOUND - no queue 'nope' in vhost '/'", 50, 10)])
        #expect(h.session.isRunning)
        h.session.closeChannel(1, with: .notFound("again"))
        #expect(h.take().isEmpty)  // channel already closing: nothing more on it
        h.openChannel(2)
        // A connection exception raised on a channel closes the whole connection.
        h.session.closeChannel(2, with: .notAllowed("attempt to reuse consumer tag 'a'", classID: 60, methodID: 20))
        #expect(closes(h) == [CloseInfo(530, "NOT_ALLOWED - attempt to reuse consumer tag 'a'", 60, 20)])
        #expect(!h.session.isRunning)
    }

    @Test("reply texts are cut to 255 bytes") func longText() {
        let e = AMQPException.notFound(String(repeating: "x", count: 400))
        #expect(e.text.count == 255)
        #expect(e.textString.hasPrefix("NOT_FOUND - xxx"))
    }

    @Test("sendContent splits bodies at the negotiated frame_max") func sendContent() {
        let h = AMQPHarness()
        h.handshake(frameMax: 4096)
        h.openChannel(1)
        let body = Bytes(repeating: 1, count: 5000)
        h.session.sendContent(
            .basicGetOk(.init(deliveryTag: 1, messageCount: 0)), channel: 1,
            properties: BasicProperties(deliveryMode: 1), body: body)
        let out = h.take()
        #expect(out.count == 4)
        #expect(out[2] == .body(1, Bytes(repeating: 1, count: 4088)))
        #expect(out[3] == .body(1, Bytes(repeating: 1, count: 912)))
        var props: Bytes = []
        BasicProperties(deliveryMode: 1).encode(into: &props)
        props.withUnsafeBytes { p in
            body.withUnsafeBytes { b in
                h.session.sendContent(.basicGetOk(.init(deliveryTag: 1)), channel: 1, encodedProperties: p, body: b)
            }
        }
        #expect(h.take() == out)
    }
}
