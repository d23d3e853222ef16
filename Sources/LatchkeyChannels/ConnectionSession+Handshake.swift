// The connection-class half of ConnectionSession: start / start-ok (PLAIN, AMQPLAIN against the
// configured users), tune / tune-ok, open (vhost check), close in both directions, and the
// heartbeat and handshake timers driven by AMQPFrontEnd.cron. Server-properties live in AMQPFrontEnd.
import LatchkeyAMQP
import LatchkeyCore

extension ConnectionSession {
    /// How long a client may take from TCP accept to connection.open (RabbitMQ: 10 s).
    static let handshakeTimeoutMs: Int64 = 10_000
    /// How long we wait for close-ok after sending connection.close, and for the client to
    /// close its socket after our close-ok (RabbitMQ 3.10: 30 s for both, measured).
    static let closeOkTimeoutMs: Int64 = 30_000

    func sendStart() {
        phase = .starting
        send(
            .connectionStart(
                .init(
                    versionMajor: 0, versionMinor: 9, serverProperties: frontEnd.serverProperties,
                    mechanisms: Bytes("PLAIN AMQPLAIN".utf8), locales: Bytes("en_US".utf8))), channel: 0)
    }

    /// Class 10 on channel 0; errors name the method that failed.
    func connectionMethod(_ m: AMQPMethod) throws(AMQPException) {
        do throws(AMQPException) { try connectionMethodSwitch(m) } catch {
            throw error.attributed(to: m.classID, m.methodID)
        }
    }

    private func connectionMethodSwitch(_ m: AMQPMethod) throws(AMQPException) {
        switch (phase, m) {
        case (.starting, .connectionStartOk(let s)): try startOk(s)
        case (.tuning, .connectionTuneOk(let t)): try tuneOk(t)
        case (.opening, .connectionOpen(let o)): try open(o)
        case (_, .connectionClose):
            // Client-initiated close: release everything (exclusive queues included) and confirm.
            // RabbitMQ leaves closing the TCP connection to the client, which is what clients such
            // as amqp091-go wait to do; a client that never does is dropped after the timeout.
            releaseChannels()
            frontEnd.broker.connectionClosed(id)
            send(.connectionCloseOk(.init()), channel: 0)
            phase = .closeOkSent
            closingSinceMs = context.nowMs
        case (.running, .connectionUpdateSecret): send(.connectionUpdateSecretOk(.init()), channel: 0)
        default:
            throw AMQPException.channelError(
                "unexpected method in connection state \(phase.rawValue)", classID: m.classID, methodID: m.methodID)
        }
    }

    // MARK: start-ok

    func startOk(_ s: AMQPMethod.ConnectionStartOk) throws(AMQPException) {
        clientProperties = s.clientProperties
        if case .table(let caps) = s.clientProperties["capabilities"] { clientCapabilities = caps }
        let mechanism = String(decoding: s.mechanism, as: UTF8.self)
        let credentials: (user: Bytes, password: Bytes)?
        switch mechanism {
        case "PLAIN": credentials = Self.parsePlain(s.response)
        case "AMQPLAIN": credentials = Self.parseAMQPLain(s.response)
        default: throw AMQPException.commandInvalid("unknown authentication mechanism '\(mechanism)'")
        }
        guard let (name, password) = credentials else {
            // A response RabbitMQ 3.10 cannot parse (a PLAIN authzid, a missing NUL) is a
            // protocol error before tune: the socket closes without connection.close.
            closeSocket()
            return
        }
        guard frontEnd.authenticate(user: name, password: password, fromLoopback: client.isLoopback) else {
            refuseLogin(mechanism: mechanism)
            return
        }
        user = name
        phase = .tuning
        send(
            .connectionTune(
                .init(channelMax: frontEnd.channelMax, frameMax: frontEnd.frameMax, heartbeat: frontEnd.heartbeat)),
            channel: 0)
    }

    /// A refused login: connection.close 403 first if the client asked for it, then the socket.
    func refuseLogin(mechanism: String) {
        if authenticationFailureClose {
            let e = AMQPException.loginRefused(mechanism: mechanism)
            send(
                .connectionClose(.init(replyCode: e.code.rawValue, replyText: e.text, classId: 0, methodId: 0)),
                channel: 0)
        }
        closeSocket()
    }

    /// PLAIN: `authzid \0 user \0 password`. Like RabbitMQ 3.10 we accept only an empty
    /// authzid (acting as another identity is not supported, so a login that asks to is
    /// refused rather than silently run as the authcid) and no NUL inside the password.
    static func parsePlain(_ r: Bytes) -> (Bytes, Bytes)? {
        let parts = r.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty else { return nil }
        return (Bytes(parts[1]), Bytes(parts[2]))
    }

    /// AMQPLAIN: a field table without its length prefix holding LOGIN and PASSWORD.
    static func parseAMQPLain(_ r: Bytes) -> (Bytes, Bytes)? {
        guard let t = try? FieldTable.decodeEntries(r) else { return nil }
        func text(_ v: FieldValue?) -> Bytes? {
            switch v {
            case .longString(let b)?, .byteArray(let b)?: return b
            default: return nil
            }
        }
        guard let login = text(t["LOGIN"]), let password = text(t["PASSWORD"]) else { return nil }
        return (login, password)
    }

    // MARK: tune-ok, open

    func tuneOk(_ t: AMQPMethod.ConnectionTuneOk) throws(AMQPException) {
        let serverMax = frontEnd.frameMax
        // RabbitMQ 3.10 refuses 0 ("no limit") for both, and a channel_max above its own:
        // before connection.open that is a silent close (checked on a node).
        if t.channelMax == 0 || t.channelMax > frontEnd.channelMax {
            throw AMQPException.notAllowed(
                "negotiated channel_max = \(t.channelMax) is out of range 1..\(frontEnd.channelMax)")
        }
        if t.frameMax < FrameType.minFrameMax {
            throw AMQPException.notAllowed("frame_max=\(t.frameMax) < \(FrameType.minFrameMax) min size")
        }
        if t.frameMax > serverMax { throw AMQPException.notAllowed("frame_max=\(t.frameMax) > \(serverMax) max size") }
        frameMax = t.frameMax
        decoder.frameMax = frameMax
        channelMax = t.channelMax
        heartbeat = t.heartbeat
        phase = .opening
    }

    func open(_ o: AMQPMethod.ConnectionOpen) throws(AMQPException) {
        guard frontEnd.vhosts.contains(o.virtualHost) else {
            throw AMQPException.notAllowed("vhost \(String(decoding: o.virtualHost, as: UTF8.self)) not found")
        }
        vhost = o.virtualHost
        phase = .running
        send(.connectionOpenOk(.init()), channel: 0)
    }

    // MARK: timers

    /// Called from AMQPFrontEnd.cron: heartbeats, the 2×heartbeat liveness check, handshake
    /// and close-ok timeouts.
    func tick(nowMs: Int64) {
        switch phase {
        case .awaitingHeader, .starting, .tuning:
            if nowMs - client.createdAtMs >= Self.handshakeTimeoutMs { closeSocket() }
        case .opening, .running:
            if phase == .opening && nowMs - client.createdAtMs >= Self.handshakeTimeoutMs {
                closeSocket()
                return
            }
            guard heartbeat > 0 else { return }
            let interval = Int64(heartbeat) * 1000
            // While we do not read its socket (memory alarm) the peer's heartbeats cannot
            // arrive; RabbitMQ pauses its receive-side check then too.
            if client.inputBlocked { lastReceivedMs = nowMs }
            if nowMs - lastReceivedMs >= 2 * interval {
                // Peer silent for two intervals: drop the socket without connection.close.
                closeSocket()
            } else if nowMs - lastSentMs >= interval / 2 {
                FrameEncoder.heartbeat(into: &client.outbox.bytes)
                didSend()
            }
        case .closing, .closeOkSent: if nowMs - closingSinceMs >= Self.closeOkTimeoutMs { closeSocket() }
        case .closed: return
        }
    }
}
