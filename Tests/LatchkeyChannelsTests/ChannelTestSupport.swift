// Helpers for channel-level session tests: publishing a message as method + header + body
// frames, and pulling deliveries/get-oks with their bodies out of the harness output.
import LatchkeyAMQP
import LatchkeyCore

@testable import LatchkeyChannels

func bytes(_ s: String) -> Bytes { Bytes(s.utf8) }

/// A content-bearing method as seen by the client, with its properties and body.
struct Received {
    let method: AMQPMethod
    let properties: BasicProperties
    let body: String
}

extension AMQPHarness {
    /// Opened connection with channel 1.
    static func running(config: [String: String] = [:]) -> AMQPHarness {
        let h = AMQPHarness(config: config)
        h.handshake()
        h.openChannel(1)
        return h
    }

    func publish(
        _ body: String, exchange: String = "", rk: String, channel: UInt16 = 1, mandatory: Bool = false,
        immediate: Bool = false, properties: BasicProperties = BasicProperties()
    ) {
        feed(
            Self.publishFrames(
                body, exchange: exchange, rk: rk, channel: channel, mandatory: mandatory, immediate: immediate,
                properties: properties))
    }

    /// The frames of one basic.publish with its content.
    static func publishFrames(
        _ body: String, exchange: String = "", rk: String, channel: UInt16 = 1, mandatory: Bool = false,
        immediate: Bool = false, properties: BasicProperties = BasicProperties()
    ) -> Bytes {
        var out = Self.frame(
            .basicPublish(
                .init(exchange: bytes(exchange), routingKey: bytes(rk), mandatory: mandatory, immediate: immediate)),
            channel: channel)
        var header = Bytes()
        ContentHeader(bodySize: UInt64(body.utf8.count), properties: properties).encode(into: &header)
        out += Self.rawFrame(type: 2, channel: channel, payload: header)
        let b = bytes(body)
        for start in stride(from: 0, to: b.count, by: 131_064) {  // frame_max 131072 − 8
            out += Self.rawFrame(type: 3, channel: channel, payload: Array(b[start..<min(b.count, start + 131_064)]))
        }
        return out
    }

    /// Everything written, content methods grouped with their header and body.
    func received() -> [Received] {
        var out: [Received] = []
        var current: (AMQPMethod, BasicProperties, Bytes)? = nil
        func flush() {
            if let c = current {
                out.append(Received(method: c.0, properties: c.1, body: String(decoding: c.2, as: UTF8.self)))
            }
            current = nil
        }
        for f in take() {
            switch f {
            case .method(_, let m):
                flush()
                current = (m, BasicProperties(), [])
            case .header(_, let h): current?.1 = h.properties
            case .body(_, let b): current?.2 += b
            default: break
            }
        }
        flush()
        return out
    }

    func declare(
        _ q: String, channel: UInt16 = 1, durable: Bool = false, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: FieldTable = FieldTable()
    ) {
        send(
            .queueDeclare(
                .init(
                    queue: bytes(q), durable: durable, exclusive: exclusive, autoDelete: autoDelete,
                    arguments: arguments)), channel: channel)
    }

    /// The close (channel or connection) in the output, if any.
    func closes() -> [CloseInfo] { methods().compactMap(CloseInfo.init) }
}
