// A socket-free AMQP client for session tests: feeds bytes to a ConnectionSession the way the
// server does (unconsumed bytes are offered again with more appended) and decodes what the session
// wrote to its outbox back into frames.
import LatchkeyAMQP
import LatchkeyCore
import LatchkeyLog
import LatchkeyTestSupport

@testable import LatchkeyChannels

/// One frame the session wrote.
enum Out: Equatable {
    case method(UInt16, AMQPMethod)
    case header(UInt16, ContentHeader)
    case body(UInt16, Bytes)
    case heartbeat
    /// Bytes that are not a frame (the protocol header we send back).
    case raw(Bytes)
}

final class AMQPHarness {
    let clock = ManualClock()
    let context: ServerContext
    let front: AMQPFrontEnd
    let client: ClientInfo
    let session: ConnectionSession
    var pending: Bytes = []

    init(loopback: Bool = true, config: [String: String] = [:]) {
        let c = Config()
        for (k, v) in config { precondition(c.set(k, v) == nil, "bad config \(k)") }
        context = ServerContext(config: c, clock: clock)
        front = AMQPFrontEnd(context: context, journal: Journal(enabled: false))
        client = ClientInfo(
            id: context.allocateClientID(), kind: .amqp, peerAddress: loopback ? "127.0.0.1:5000" : "10.0.0.9:5000",
            localAddress: "127.0.0.1:5672", isLoopback: loopback, outbox: Outbox(queue: context.flushQueue),
            nowMs: context.nowMs)
        session = front.makeSession(client: client) as! ConnectionSession
    }

    /// A second connection on `other`'s front end (same broker, clock and context).
    convenience init(sharing other: AMQPHarness) { self.init(front: other.front) }

    /// A connection on an existing front end (shared broker, or a journaling one).
    init(front: AMQPFrontEnd) {
        context = front.context
        self.front = front
        client = ClientInfo(
            id: context.allocateClientID(), kind: .amqp, peerAddress: "127.0.0.1:5001", localAddress: "127.0.0.1:5672",
            isLoopback: true, outbox: Outbox(queue: context.flushQueue), nowMs: context.nowMs)
        session = front.makeSession(client: client) as! ConnectionSession
    }

    /// Whether the session asked for the socket to close.
    var closed: Bool { client.outbox.closeAfterFlush }

    /// Offers bytes the way the server does.
    func feed(_ bytes: Bytes) {
        context.refreshNow()  // as ClientConnection does before every read
        pending += bytes
        let used = pending.withUnsafeBytes { session.receive($0) }
        pending.removeFirst(used)
    }

    func header() { feed(Bytes("AMQP".utf8) + [0, 0, 9, 1]) }

    static func frame(_ m: AMQPMethod, channel: UInt16 = 0) -> Bytes {
        var out: Bytes = []
        FrameEncoder.method(m, channel: channel, into: &out)
        return out
    }

    static func rawFrame(type: UInt8, channel: UInt16, payload: Bytes) -> Bytes {
        var out: Bytes = [type]
        out.appendU16(channel)
        out.appendU32(UInt32(payload.count))
        return out + payload + [0xCE]
    }

    func send(_ m: AMQPMethod, channel: UInt16 = 0) { feed(Self.frame(m, channel: channel)) }

    /// Decodes and clears everything the session wrote.
    func take() -> [Out] {
        var bytes = client.outbox.bytes
        client.outbox.bytes.removeAll()
        var out: [Out] = []
        if bytes.starts(with: FrameEncoder.protocolHeader) {
            out.append(.raw(FrameEncoder.protocolHeader))
            bytes.removeFirst(8)
        }
        let d = FrameDecoder(frameMax: 1 << 30)
        var offset = 0
        while offset < bytes.count {
            let r: (Out, Int)? = bytes.withUnsafeBytes { p in
                guard case .frame(let f, let n) = d.decode(UnsafeRawBufferPointer(rebasing: p[offset...])) else {
                    return nil
                }
                switch f.type {
                case 1: return (.method(f.channel, try! AMQPMethod.decode(f.payload)), n)
                case 2: return (.header(f.channel, try! ContentHeader.decode(f.payload)), n)
                case 3: return (.body(f.channel, Bytes(f.payload)), n)
                default: return (.heartbeat, n)
                }
            }
            guard let (o, n) = r else {
                out.append(.raw(Array(bytes[offset...])))
                break
            }
            out.append(o)
            offset += n
        }
        return out
    }

    /// The methods written since the last take (frames of other types dropped).
    func methods() -> [AMQPMethod] {
        take().compactMap { if case .method(_, let m) = $0 { return m } else { return nil } }
    }

    static func plain(_ user: String, _ password: String) -> Bytes {
        [0] + Bytes(user.utf8) + [0] + Bytes(password.utf8)
    }

    static func clientProperties(authFailureClose: Bool = true) -> FieldTable {
        var caps = FieldTable()
        caps.append("authentication_failure_close", .bool(authFailureClose))
        caps.append("consumer_cancel_notify", .bool(true))
        var p = FieldTable()
        p.append("product", .string("test"))
        p.append("capabilities", .table(caps))
        return p
    }

    /// Header, start-ok (PLAIN guest/guest), tune-ok, open "/"; output cleared.
    func handshake(heartbeat: UInt16 = 0, frameMax: UInt32 = 131072, channelMax: UInt16 = 2047) {
        header()
        send(
            .connectionStartOk(
                .init(
                    clientProperties: Self.clientProperties(), mechanism: Bytes("PLAIN".utf8),
                    response: Self.plain("guest", "guest"), locale: Bytes("en_US".utf8))))
        send(.connectionTuneOk(.init(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)))
        send(.connectionOpen(.init(virtualHost: Bytes("/".utf8))))
        _ = take()
    }

    /// Opens channel `n` and clears output.
    func openChannel(_ n: UInt16) {
        send(.channelOpen(.init()), channel: n)
        _ = take()
    }
}

/// The (code, text, class, method) of a close method, for assertions.
struct CloseInfo: Equatable, CustomStringConvertible {
    let code: UInt16
    let text: String
    let classID: UInt16
    let methodID: UInt16
    var description: String { "\(code) \(text) (\(classID)/\(methodID))" }

    init(_ code: UInt16, _ text: String, _ classID: UInt16 = 0, _ methodID: UInt16 = 0) {
        self.code = code
        self.text = text
        self.classID = classID
        self.methodID = methodID
    }

    init?(_ m: AMQPMethod) {
        switch m {
        case .connectionClose(let c):
            self.init(c.replyCode, String(decoding: c.replyText, as: UTF8.self), c.classId, c.methodId)
        case .channelClose(let c):
            self.init(c.replyCode, String(decoding: c.replyText, as: UTF8.self), c.classId, c.methodId)
        default: return nil
        }
    }
}
