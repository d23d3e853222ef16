// Connection state machine fed frames without sockets: protocol header, start/tune/open,
// PLAIN and AMQPLAIN logins, refused logins, vhosts, close in both directions, heartbeats.
import LatchkeyAMQP
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

@Suite("AMQP connection handshake") struct ConnectionSessionTests {
    @Test(
        "wrong protocol header gets ours back and a close",
        arguments: [
            Bytes("AMQP".utf8) + [0, 1, 0, 0], Bytes("GET / HTTP/1.1\r\n".utf8), Bytes("AMQP".utf8) + [1, 1, 0, 9],
        ]) func wrongHeader(_ header: Bytes)
    {
        let h = AMQPHarness()
        h.feed(header)
        #expect(h.take() == [.raw(FrameEncoder.protocolHeader)])
        #expect(h.closed)
    }

    @Test("a partial header waits for 8 bytes") func partialHeader() {
        let h = AMQPHarness()
        h.feed(Bytes("AMQP".utf8))
        #expect(h.take().isEmpty && !h.closed)
        h.feed([0, 0, 9, 1])
        #expect(h.methods().count == 1)
    }

    @Test("amqp-server-identity latchkey reports Latchkey as the product and its own version") func latchkeyIdentity()
        throws
    {
        let h = AMQPHarness(config: ["amqp-server-identity": "latchkey"])
        h.header()
        guard case .method(0, .connectionStart(let s)) = try #require(h.take().first) else {
            Issue.record("no start")
            return
        }
        #expect(s.serverProperties["product"] == .string("Latchkey"))
        #expect(s.serverProperties["version"] == .string(h.context.latchkeyVersion))
        #expect(s.serverProperties["latchkey_version"] == .string(h.context.latchkeyVersion))
    }

    @Test("connection.start carries capabilities, RabbitMQ's product and version, PLAIN AMQPLAIN") func start() throws {
        let h = AMQPHarness()
        h.header()
        let out = h.take()
        guard case .method(0, .connectionStart(let s)) = try #require(out.first) else {
            Issue.record("no start: \(out)")
            return
        }
        #expect(s.versionMajor == 0 && s.versionMinor == 9)
        #expect(s.mechanisms == Bytes("PLAIN AMQPLAIN".utf8))
        #expect(s.locales == Bytes("en_US".utf8))
        // Clients branch on product == "RabbitMQ" (kombu's basic.qos); Latchkey names itself apart.
        #expect(s.serverProperties["product"] == .string("RabbitMQ"))
        #expect(s.serverProperties["version"] == .string("3.10.8"))
        #expect(s.serverProperties["latchkey_version"] == .string(h.context.latchkeyVersion))
        for key in ["platform", "copyright", "information", "cluster_name"] {
            #expect(s.serverProperties[key] != nil, "\(key)")
        }
        guard case .table(let caps) = s.serverProperties["capabilities"] else {
            Issue.record("no capabilities table")
            return
        }
        for cap in [
            "publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
            "connection.blocked", "authentication_failure_close", "per_consumer_qos", "direct_reply_to",
        ] { #expect(caps[cap] == .bool(true), "\(cap)") }
    }

    @Test("PLAIN login, tune proposal, tune-ok and open of / succeed") func happyPath() {
        let h = AMQPHarness()
        h.header()
        _ = h.take()
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: AMQPHarness.plain("guest", "guest"), locale: Bytes("en_US".utf8))))
        #expect(h.methods() == [.connectionTune(.init(channelMax: 2047, frameMax: 131072, heartbeat: 60))])
        h.send(.connectionTuneOk(.init(channelMax: 100, frameMax: 65536, heartbeat: 30)))
        #expect(h.take().isEmpty)
        h.send(.connectionOpen(.init(virtualHost: Bytes("/".utf8), insist: true)))
        #expect(h.methods() == [.connectionOpenOk(.init())])
        #expect(h.session.isRunning && h.session.frameMax == 65536 && h.session.channelMax == 100)
        #expect(h.session.heartbeat == 30 && h.session.user == Bytes("guest".utf8) && h.session.vhost == [0x2F])
        #expect(h.session.consumerCancelNotify)
        #expect(!h.closed)
    }

    @Test("AMQPLAIN login (table entries without length prefix)") func amqplain() {
        let h = AMQPHarness()
        h.header()
        _ = h.take()
        var t = FieldTable()
        t.append("LOGIN", .string("guest"))
        t.append("PASSWORD", .string("guest"))
        var response: Bytes = []
        t.encodeEntries(into: &response)
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: FieldTable(), mechanism: Bytes("AMQPLAIN".utf8), response: response,
                    locale: Bytes("en_US".utf8))))
        guard case .connectionTune? = h.methods().first else {
            Issue.record("no tune")
            return
        }
    }

    @Test("bad credentials: 403 close when the client asked for authentication_failure_close")
    func badPasswordWithCapability() {
        let h = AMQPHarness()
        h.header()
        _ = h.take()
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(authFailureClose: true),
                    mechanism: Bytes("PLAIN".utf8), response: AMQPHarness.plain("guest", "nope"))))
        let closes = h.methods().compactMap(CloseInfo.init)
        #expect(
            closes == [
                CloseInfo(
                    403,
                    "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."
                )
            ])
        #expect(h.closed)
    }

    @Test("bad credentials without the capability: socket closed, nothing sent") func badPasswordSilent() {
        let h = AMQPHarness()
        h.header()
        _ = h.take()
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(authFailureClose: false),
                    mechanism: Bytes("PLAIN".utf8), response: AMQPHarness.plain("nobody", "x"))))
        #expect(h.take().isEmpty)
        #expect(h.closed)
    }

    @Test("guest is refused from a non-loopback peer; a configured user is not") func loopbackOnly() {
        let h = AMQPHarness(loopback: false, config: ["amqp-user": "guest:guest app:s3cr:et"])
        h.header()
        _ = h.take()
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: AMQPHarness.plain("guest", "guest"))))
        #expect(h.methods().compactMap(CloseInfo.init).first?.code == 403)
        #expect(h.closed)

        let h2 = AMQPHarness(loopback: false, config: ["amqp-user": "guest:guest app:s3cr:et"])
        h2.header()
        _ = h2.take()
        h2.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: AMQPHarness.plain("app", "s3cr:et"))))
        guard case .connectionTune? = h2.methods().first else {
            Issue.record("app user refused")
            return
        }
    }

    @Test("unknown mechanism drops the connection during start") func unknownMechanism() {
        let h = AMQPHarness()
        h.header()
        _ = h.take()
        h.send(.connectionStartOk(.init(mechanism: Bytes("EXTERNAL".utf8))))
        #expect(h.take().isEmpty)
        #expect(h.closed)
    }

    @Test("connection.open of an unknown vhost is 530 NOT_ALLOWED (10/40)") func unknownVhost() {
        let h = AMQPHarness()
        h.header()
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: AMQPHarness.plain("guest", "guest"))))
        h.send(.connectionTuneOk(.init(channelMax: 2047, frameMax: 131072, heartbeat: 0)))
        _ = h.take()
        h.send(.connectionOpen(.init(virtualHost: Bytes("nov".utf8))))
        #expect(h.methods().compactMap(CloseInfo.init) == [CloseInfo(530, "NOT_ALLOWED - vhost nov not found", 10, 40)])
        h.send(.connectionCloseOk(.init()))
        #expect(h.closed)
    }

    @Test("tune-ok frame_max outside 4096...proposed drops the socket without a close (RabbitMQ's handshake error)")
    func tuneLimits() {
        for fm in [UInt32(0), UInt32(1000), UInt32(200_000)] {
            let h = AMQPHarness()
            h.header()
            h.send(
                .connectionStartOk(
                    .init(
                        clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                        response: AMQPHarness.plain("guest", "guest"))))
            _ = h.take()
            h.send(.connectionTuneOk(.init(channelMax: 2047, frameMax: fm, heartbeat: 0)))
            #expect(h.take().isEmpty)
            #expect(h.closed)
        }
    }

    @Test("tune-ok channel_max 0 or above ours drops the socket, as RabbitMQ 3.10 does") func tuneChannelMax() {
        for cm in [UInt16(0), UInt16(2048), UInt16.max] {
            let h = AMQPHarness()
            h.header()
            h.send(
                .connectionStartOk(
                    .init(
                        clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                        response: AMQPHarness.plain("guest", "guest"))))
            _ = h.take()
            h.send(.connectionTuneOk(.init(channelMax: cm, frameMax: 131072, heartbeat: 0)))
            #expect(h.take().isEmpty)
            #expect(h.closed)
        }
    }

    @Test("a PLAIN response with an authzid (or without its NULs) is a silent close, as in RabbitMQ 3.10")
    func plainAuthzid() {
        for response in [
            "guest\u{0}guest\u{0}guest", "other\u{0}guest\u{0}guest", "guestguest", "\u{0}guest\u{0}guest\u{0}",
        ] {
            let h = AMQPHarness()
            h.header()
            _ = h.take()
            h.send(
                .connectionStartOk(
                    .init(
                        clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                        response: Bytes(response.utf8))))
            #expect(h.take().isEmpty, "\(response)")
            #expect(h.closed)
        }
    }

    @Test("client connection.close gets close-ok; the client closes the socket (RabbitMQ), or we do after 30 s")
    func clientClose() {
        let h = AMQPHarness()
        h.handshake()
        h.openChannel(1)
        h.send(.connectionClose(.init(replyCode: 200, replyText: Bytes("Normal shutdown".utf8))))
        #expect(h.methods() == [.connectionCloseOk(.init())])
        #expect(!h.closed)
        #expect(h.session.channelCount == 0)
        // Channel frames are ignored now; a repeated close is answered again, as RabbitMQ does.
        h.send(.queueDeclare(.init()), channel: 1)
        h.send(.connectionClose(.init(replyCode: 200, replyText: Bytes("again".utf8))))
        #expect(h.methods() == [.connectionCloseOk(.init())])
        h.clock.advance(ms: 30_000)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.closed)
    }

    @Test("second connection.open is 504 unexpected method in state running") func secondOpen() {
        let h = AMQPHarness()
        h.handshake()
        h.send(.connectionOpen(.init(virtualHost: Bytes("/".utf8))))
        #expect(
            h.methods().compactMap(CloseInfo.init) == [
                CloseInfo(504, "CHANNEL_ERROR - unexpected method in connection state running", 10, 40)
            ])
    }

    @Test("unsolicited connection.close-ok is 504 unexpected method (10/51)") func unsolicitedCloseOk() {
        let h = AMQPHarness()
        h.handshake()
        h.send(.connectionCloseOk(.init()))
        #expect(
            h.methods().compactMap(CloseInfo.init) == [
                CloseInfo(504, "CHANNEL_ERROR - unexpected method in connection state running", 10, 51)
            ])
    }

    @Test("the whole client side fed one byte at a time gives the same replies") func byteByByte() {
        var script = Bytes("AMQP".utf8) + [0, 0, 9, 1]
        script += AMQPHarness.frame(
            .connectionStartOk(
                .init(
                    clientProperties: AMQPHarness.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: AMQPHarness.plain("guest", "guest"))))
        script += AMQPHarness.frame(.connectionTuneOk(.init(channelMax: 10, frameMax: 4096, heartbeat: 0)))
        script += AMQPHarness.frame(.connectionOpen(.init(virtualHost: Bytes("/".utf8))))
        script += AMQPHarness.frame(.channelOpen(.init()), channel: 1)
        script += AMQPHarness.frame(.channelClose(.init(replyCode: 200)), channel: 1)
        let whole = AMQPHarness()
        whole.feed(script)
        let drip = AMQPHarness()
        for b in script { drip.feed([b]) }
        let expected = whole.methods()
        #expect(expected.count == 5)
        #expect(drip.methods() == expected)
    }
}

@Suite("AMQP heartbeats and timeouts") struct HeartbeatTests {
    @Test("a heartbeat is sent after H/2 of silence and the peer is dropped after 2H without input") func heartbeats() {
        let h = AMQPHarness()
        h.handshake(heartbeat: 10)
        h.clock.advance(ms: 4_900)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.take().isEmpty)
        h.clock.advance(ms: 100)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.take() == [.heartbeat])
        // Client heartbeat keeps it alive past 2H from the handshake.
        h.clock.advance(ms: 14_000)
        h.context.refreshNow()
        h.feed([8, 0, 0, 0, 0, 0, 0, 0xCE])
        h.clock.advance(ms: 10_000)
        h.context.refreshNow()
        h.front.cron()
        #expect(!h.closed)
        h.clock.advance(ms: 10_000)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.closed)
        #expect(h.methods().isEmpty)  // no connection.close on a heartbeat timeout
    }

    @Test("heartbeat 0 disables both directions") func disabled() {
        let h = AMQPHarness()
        h.handshake(heartbeat: 0)
        h.clock.advance(ms: 3_600_000)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.take().isEmpty && !h.closed)
    }

    @Test("a client that never finishes the handshake is dropped after 10 s") func handshakeTimeout() {
        let h = AMQPHarness()
        h.header()
        h.clock.advance(ms: 10_000)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.closed)
    }

    @Test("no close-ok within 30 s after our connection.close drops the socket (RabbitMQ 3.10)") func closeOkTimeout() {
        let h = AMQPHarness()
        h.handshake()
        h.send(.queueDeclare(.init()), channel: 0)
        #expect(!h.closed)
        h.clock.advance(ms: 29_999)
        h.context.refreshNow()
        h.front.cron()
        #expect(!h.closed)
        h.clock.advance(ms: 1)
        h.context.refreshNow()
        h.front.cron()
        #expect(h.closed)
    }

    @Test("the session unregisters from cron when the connection closes") func unregister() {
        let h = AMQPHarness()
        #expect(h.front.sessions.count == 1)
        h.session.connectionClosed()
        #expect(h.front.sessions.isEmpty)
    }
}
