// One AMQP connection: splits input into frames, runs the connection state machine (class 10, in
// ConnectionSession+Handshake.swift) and channel.open, owns the channel table, routes every other
// channel frame to its ChannelSession and turns exceptions into channel.close / connection.close.
// Channel state and semantics (assembly, queues, publish, get, ack) live in ChannelSession.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

/// The per-connection AMQP session the server drives.
package final class ConnectionSession: ProtocolSession {
    /// Connection states, named as RabbitMQ names them in its error texts.
    package enum Phase: String {
        case awaitingHeader = "pre_init"
        case starting, tuning, opening, running
        /// We sent connection.close and wait for close-ok.
        case closing
        /// The client closed and we answered close-ok: like RabbitMQ, the client closes the
        /// socket (we drop it after `closeOkTimeoutMs`); only another close is answered.
        case closeOkSent = "close_ok_sent"
        case closed
    }

    /// The socket side of this connection (outbox, peer address, loopback flag).
    package let client: ClientInfo
    package let context: ServerContext
    package let journal: Journal
    package unowned let frontEnd: AMQPFrontEnd

    package internal(set) var phase: Phase = .awaitingHeader
    var decoder: FrameDecoder
    /// Negotiated frame_max (tune-ok), used to split outgoing bodies.
    package internal(set) var frameMax: UInt32
    /// Negotiated limit on simultaneously open channels.
    package internal(set) var channelMax: UInt16
    /// Negotiated heartbeat interval in seconds (0 = off).
    package internal(set) var heartbeat: UInt16 = 0
    /// The vhost opened by connection.open.
    package internal(set) var vhost: Bytes = []
    /// The authenticated user.
    package internal(set) var user: Bytes = []
    /// The client's start-ok client-properties, and its `capabilities` table.
    package internal(set) var clientProperties = FieldTable()
    package internal(set) var clientCapabilities = FieldTable()

    /// Open and closing channels by number.
    var channels: [UInt16: ChannelSession] = [:] {
        didSet { lastChannel = nil }  // any open/close forgets the cached lookup
    }
    /// The channel the previous frame was on (clients use one channel for long stretches;
    /// hashing the number for every frame costs more than the compare).
    private var lastChannel: ChannelSession?
    private var lastChannelNumber: UInt16 = 0
    /// Set when a channel paused its deliveries for a full outbox (cleared by `outputDrained`).
    var deliveriesPaused = false
    var lastReceivedMs: Int64
    var lastSentMs: Int64
    var closingSinceMs: Int64 = 0
    /// Server basic.cancel notifications held back while one of this connection's channels
    /// handles a method (see `ChannelSession.consumerCancelled`); shared with the channels.
    let deferredCancels = DeferredCancels()

    init(client: ClientInfo, frontEnd: AMQPFrontEnd) {
        self.client = client
        self.frontEnd = frontEnd
        context = frontEnd.context
        journal = frontEnd.journal
        frameMax = frontEnd.frameMax
        channelMax = frontEnd.channelMax
        decoder = FrameDecoder(frameMax: frontEnd.frameMax)
        lastReceivedMs = frontEnd.context.nowMs
        lastSentMs = frontEnd.context.nowMs
    }

    /// The connection's id (exclusive-queue ownership, CLIENT LIST).
    package var id: UInt64 { client.id }
    /// Whether the connection is open for channel traffic (false once closing).
    package var isRunning: Bool { phase == .running }
    /// Whether the client asked for basic.cancel notifications when its queue goes away.
    package var consumerCancelNotify: Bool { clientCapability("consumer_cancel_notify") }
    /// Whether the client wants connection.close before the socket closes on a refused login.
    package var authenticationFailureClose: Bool { clientCapability("authentication_failure_close") }
    /// Number of open (or closing) channels.
    package var channelCount: Int { channels.count }

    /// A boolean capability the client advertised in its client-properties.
    package func clientCapability(_ name: String) -> Bool {
        if case .bool(true) = clientCapabilities[name] { return true }
        return false
    }

    /// The open channel with this number (nil when absent or closing).
    package func channel(_ number: UInt16) -> ChannelSession? {
        guard let s = channels[number], s.state == .open else { return nil }
        return s
    }

    // MARK: ProtocolSession

    package func receive(_ input: UnsafeRawBufferPointer) -> Int {
        if phase == .closed { return input.count }
        defer { if phase == .running { flushConfirms() } }  // coalesced publisher confirms
        lastReceivedMs = context.nowMs
        client.lastInteractionMs = context.nowMs
        var offset = 0
        if phase == .awaitingHeader {
            guard input.count >= 8 else { return 0 }
            if !input.prefix(8).elementsEqual(FrameEncoder.protocolHeader) {
                // Anything else (another AMQP version, HTTP): our header back, then close.
                client.outbox.bytes.append(contentsOf: FrameEncoder.protocolHeader)
                closeSocket()
                return input.count
            }
            offset = 8
            sendStart()
        }
        while offset < input.count && phase != .closed {
            switch decoder.decode(UnsafeRawBufferPointer(rebasing: input[offset...])) {
            case .needMoreData: return offset
            case .error(let e):
                closeConnection(with: .frameError(e.detail))
                return input.count
            case .frame(let frame, let consumed):
                offset += consumed
                do throws(AMQPException) { try handleFrame(frame) } catch { closeConnection(with: error) }
            }
        }
        return phase == .closed ? input.count : offset
    }

    package func connectionClosed() {
        releaseChannels()
        frontEnd.broker.connectionClosed(id)  // its exclusive queues go with it
        phase = .closed
        frontEnd.unregister(self)
    }

    // MARK: frames

    func handleFrame(_ f: Frame) throws(AMQPException) {
        if phase == .closing || phase == .closeOkSent { return closingFrame(f) }
        if f.type == FrameType.heartbeat {
            if f.channel != 0 { throw unexpected(f) }
            return
        }
        if f.channel == 0 {
            guard f.type == FrameType.method else { throw unexpected(f) }
            try connectionMethod(try Self.decodeMethod(f.payload))
            return
        }
        guard phase == .running else { throw unexpected(f) }
        do throws(AMQPException) { try channelFrame(f) } catch { closeChannel(f.channel, with: error) }
    }

    /// After we sent connection.close only close and close-ok matter; after we answered the
    /// client's close, only a repeated close (answered again, as RabbitMQ does).
    func closingFrame(_ f: Frame) {
        guard f.type == FrameType.method, f.channel == 0, let m = try? AMQPMethod.decode(f.payload) else { return }
        if phase == .closeOkSent {
            if case .connectionClose = m { send(.connectionCloseOk(.init()), channel: 0) }
            return
        }
        switch m {
        case .connectionCloseOk: closeSocket()
        case .connectionClose:
            send(.connectionCloseOk(.init()), channel: 0)
            closeSocket()
        default: return
        }
    }

    /// 505 for a frame that is not allowed where it arrived, RabbitMQ-style detail.
    func unexpected(_ f: Frame) -> AMQPException {
        .unexpectedFrame("type \(f.type), \(FrameError.octets(Bytes(f.payload.prefix(16))))")
    }

    static func decodeMethod(_ payload: UnsafeRawBufferPointer) throws(AMQPException) -> AMQPMethod {
        do throws(AMQPDecodeError) { return try AMQPMethod.decode(payload) } catch {
            var r = WireReader(payload)
            let c = (try? r.u16()) ?? 0
            let m = (try? r.u16()) ?? 0
            switch error {
            case .unknownMethod: throw AMQPException.notImplemented("unknown method class \(c) method \(m)")
            case .truncated:
                // RabbitMQ's generated decoder: arguments that do not match the layout exactly.
                let args = payload.count > 4 ? Bytes(payload[4...]) : []
                throw AMQPException.frameError(
                    "cannot decode \(FrameError.erlangBinary(args))", classID: c, methodID: m)
            default: break
            }
            let name = AMQPMethod.name(classID: c, methodID: m) ?? "method"
            throw AMQPException.syntaxError(Self.describe(error, in: name), classID: c, methodID: m)
        }
    }

    /// Detail text for a payload that would not decode.
    package static func describe(_ e: AMQPDecodeError, in what: String) -> String {
        switch e {
        case .truncated: return "cannot decode \(what): malformed or truncated arguments"
        case .unknownFieldType(let t):
            return "cannot decode \(what): unknown field table type '\(String(UnicodeScalar(t)))'"
        case .unknownMethod(let c, let m): return "unknown method class \(c) method \(m)"
        case .badPropertyFlags(let f): return "cannot decode \(what): invalid property flags \(f)"
        case .nestingTooDeep: return "cannot decode \(what): field tables nested too deeply"
        }
    }

    // MARK: channels

    /// A frame on channel 1...: channel.open for an unused number, else the channel's.
    @inline(__always) func channelFrame(_ f: Frame) throws(AMQPException) {
        guard let channel = channel(for: f.channel) else { return try openChannel(f) }
        try channel.frame(f)
    }

    @inline(__always) private func channel(for n: UInt16) -> ChannelSession? {
        if let c = lastChannel, lastChannelNumber == n { return c }
        let c = channels[n]
        lastChannel = c
        lastChannelNumber = n
        return c
    }

    /// The first frame on an unused channel number must be channel.open (504 otherwise).
    func openChannel(_ f: Frame) throws(AMQPException) {
        guard f.type == FrameType.method else { throw AMQPException.expectedMethodFrame }
        let m = try Self.decodeMethod(f.payload)
        guard case .channelOpen = m else {
            throw AMQPException.channelError("expected 'channel.open'", classID: m.classID, methodID: m.methodID)
        }
        if channels.count >= Int(channelMax) {
            throw AMQPException.notAllowed(
                "number of channels opened (\(channels.count)) has reached the negotiated channel_max (\(channelMax))")
        }
        channels[f.channel] = ChannelSession(number: f.channel, connection: self)
        send(.channelOpenOk(.init()), channel: f.channel)
    }

    /// The channel's number is free again (the client closed it, or sent close-ok to ours).
    func forget(_ channel: ChannelSession) {
        if channels[channel.number] === channel { channels[channel.number] = nil }
    }

    // MARK: package API for channels

    /// Appends one method frame to this connection's output.
    package func send(_ method: AMQPMethod, channel: UInt16) {
        guard phase != .closed else { return }
        FrameEncoder.method(method, channel: channel, into: &client.outbox.bytes)
        didSend()
    }

    /// Appends a content-bearing method (basic.deliver, get-ok, return) with its header and
    /// body frames, the body split at the negotiated frame_max.
    package func sendContent(_ method: AMQPMethod, channel: UInt16, properties: BasicProperties, body: Bytes) {
        guard phase != .closed else { return }
        FrameEncoder.content(
            method, channel: channel, properties: properties, body: body, frameMax: frameMax, into: &client.outbox.bytes
        )
        didSend()
    }

    /// As `sendContent(_:channel:properties:body:)`, from stored encoded properties (flags word +
    /// property list) and body bytes, so a compact message store never re-decodes properties.
    package func sendContent(
        _ method: AMQPMethod, channel: UInt16, encodedProperties: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer
    ) {
        guard phase != .closed else { return }
        FrameEncoder.storedContent(
            method, channel: channel, encodedProperties: encodedProperties, body: body, frameMax: frameMax,
            into: &client.outbox.bytes)
        didSend()
    }

    /// basic.get-ok and its content from a stored message, written straight into the output.
    func sendGetOk(
        channel: UInt16, deliveryTag: UInt64, redelivered: Bool, messageCount: UInt32, _ message: Message
    ) {
        let exchange = message.exchange
        let routingKey = message.routingKey
        sendStored(message) { properties, body, frameMax, out in
            FrameEncoder.getOk(
                channel: channel, deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange,
                routingKey: routingKey, messageCount: messageCount, encodedProperties: properties, body: body,
                frameMax: frameMax, into: &out)
        }
    }

    /// basic.deliver and its content from a stored message, written straight into the output.
    func sendDeliver(
        channel: UInt16, consumerTag: Bytes, deliveryTag: UInt64, redelivered: Bool, _ message: Message
    ) {
        let exchange = message.exchange
        let routingKey = message.routingKey
        sendStored(message) { properties, body, frameMax, out in
            FrameEncoder.deliver(
                channel: channel, consumerTag: consumerTag, deliveryTag: deliveryTag, redelivered: redelivered,
                exchange: exchange, routingKey: routingKey, encodedProperties: properties, body: body,
                frameMax: frameMax, into: &out)
        }
    }

    /// Hands `write` a stored message's encoded properties and body (borrowed, no copy) and the
    /// output to append its frames to.
    @inline(__always) private func sendStored(
        _ message: Message,
        _ write: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UInt32, inout Bytes) -> Void
    ) {
        guard phase != .closed else { return }
        let split = message.propertiesCount
        let frameMax = frameMax
        message.withContent { raw in
            write(
                UnsafeRawBufferPointer(rebasing: raw[0..<split]), UnsafeRawBufferPointer(rebasing: raw[split...]),
                frameMax, &client.outbox.bytes)
        }
        didSend()
    }

    @inline(__always) func didSend() {
        lastSentMs = context.nowMs
        client.outbox.markDirty()
    }

    /// Raises `e` on channel `number`: a channel exception sends channel.close and releases the
    /// channel (its close() runs now); a connection exception closes the whole connection.
    package func closeChannel(_ number: UInt16, with e: AMQPException) {
        guard e.scope == .channel else { return closeConnection(with: e) }
        channels[number]?.raise(e)
    }

    /// Closes the connection with `e`: connection.close is sent (except before tune-ok, where
    /// RabbitMQ just drops the socket), every channel is released, and from then on only
    /// close/close-ok are read.
    package func closeConnection(with e: AMQPException) {
        switch phase {
        case .awaitingHeader, .starting, .tuning, .closing, .closeOkSent, .closed:
            // Handshake errors before connection.open is possible are not reported (RabbitMQ's
            // handshake_error), except a refused login, which refuseLogin handles.
            closeSocket()
        case .opening, .running:
            releaseChannels()
            send(
                .connectionClose(
                    .init(replyCode: e.code.rawValue, replyText: e.text, classId: e.classID, methodId: e.methodID)),
                channel: 0)
            phase = .closing
            closingSinceMs = context.nowMs
        }
    }

    /// Drops the socket once pending output is written.
    func closeSocket() {
        releaseChannels()
        frontEnd.broker.connectionClosed(id)
        phase = .closed
        client.outbox.closeAfterFlush = true
        client.outbox.markDirty()
    }

    /// Closes every channel (in number order, so requeues are deterministic) and forgets them.
    func releaseChannels() {
        guard !channels.isEmpty else { return }
        let all = channels.sorted { $0.key < $1.key }.map(\.value)
        channels.removeAll()
        for c in all { c.close() }  // a closing channel was released already: no-op
    }
}

/// basic.cancel notifications a method raised on its connection's channels, sent once the
/// method's own reply is out. A class, so each channel keeps a strong reference and the hot path
/// never goes through its unowned connection reference.
final class DeferredCancels {
    /// True while some channel of the connection is inside `handle`.
    var active = false
    var pending: [(ChannelSession, Bytes)] = []
}
