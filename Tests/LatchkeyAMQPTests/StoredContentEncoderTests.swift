// FrameEncoder.storedContent must produce exactly the bytes of the generic path (method frame,
// content header from stored property bytes, body frames) for deliver and get-ok, and fall
// back to it for any other content method.
import LatchkeyCore
import Testing

@testable import LatchkeyAMQP

@Suite("StoredContentEncoder") struct StoredContentEncoderTests {
    func generic(_ m: AMQPMethod, _ props: Bytes, _ body: Bytes, frameMax: UInt32) -> Bytes {
        var out: Bytes = [9, 9]  // existing output must be kept
        props.withUnsafeBytes { p in
            body.withUnsafeBytes { b in
                FrameEncoder.method(m, channel: 7, into: &out)
                FrameEncoder.contentHeader(channel: 7, bodySize: UInt64(b.count), encodedProperties: p, into: &out)
                FrameEncoder.body(b, channel: 7, frameMax: frameMax, into: &out)
            }
        }
        return out
    }

    func fast(_ m: AMQPMethod, _ props: Bytes, _ body: Bytes, frameMax: UInt32) -> Bytes {
        var out: Bytes = [9, 9]
        props.withUnsafeBytes { p in
            body.withUnsafeBytes { b in
                FrameEncoder.storedContent(m, channel: 7, encodedProperties: p, body: b, frameMax: frameMax, into: &out)
            }
        }
        return out
    }

    /// The field-wise entry points the sessions call.
    func direct(_ m: AMQPMethod, _ props: Bytes, _ body: Bytes, frameMax: UInt32) -> Bytes {
        var out: Bytes = [9, 9]
        props.withUnsafeBytes { p in
            body.withUnsafeBytes { b in
                switch m {
                case .basicDeliver(let d):
                    FrameEncoder.deliver(
                        channel: 7, consumerTag: d.consumerTag, deliveryTag: d.deliveryTag, redelivered: d.redelivered,
                        exchange: d.exchange, routingKey: d.routingKey, encodedProperties: p, body: b,
                        frameMax: frameMax, into: &out)
                case .basicGetOk(let g):
                    FrameEncoder.getOk(
                        channel: 7, deliveryTag: g.deliveryTag, redelivered: g.redelivered, exchange: g.exchange,
                        routingKey: g.routingKey, messageCount: g.messageCount, encodedProperties: p, body: b,
                        frameMax: frameMax, into: &out)
                default: Issue.record("not a stored-content method")
                }
            }
        }
        return out
    }

    static let bodies: [Bytes] = [
        [], [1], Bytes(repeating: 0xAB, count: 100), Bytes(repeating: 0xCD, count: 700),
        Bytes(repeating: 1, count: 900), Bytes(0..<255) + Bytes(0..<255), Bytes(repeating: 7, count: 4088),
        Bytes(repeating: 3, count: 4089), Bytes(repeating: 5, count: 10_000),
    ]
    static let propSets: [Bytes] = [[0, 0], [0x10, 0, 2], Bytes(repeating: 0x41, count: 300)]

    @Test("basic.deliver - same bytes as the generic encoder, bodies split at frame_max") func deliver() {
        let names: [Bytes] = [[], Bytes("amq.ctag-xyz".utf8), Bytes(repeating: 0x61, count: 255)]
        for body in Self.bodies {
            for props in Self.propSets {
                for name in names {
                    let m = AMQPMethod.basicDeliver(
                        .init(
                            consumerTag: name, deliveryTag: 0x0102_0304_0506_0708, redelivered: body.count % 2 == 0,
                            exchange: Bytes("ex".utf8), routingKey: name))
                    #expect(fast(m, props, body, frameMax: 4096) == generic(m, props, body, frameMax: 4096))
                    #expect(fast(m, props, body, frameMax: 131_072) == generic(m, props, body, frameMax: 131_072))
                    #expect(direct(m, props, body, frameMax: 4096) == generic(m, props, body, frameMax: 4096))
                }
            }
        }
    }

    @Test("basic.get-ok - same bytes as the generic encoder") func getOk() {
        for body in Self.bodies {
            for props in Self.propSets {
                let m = AMQPMethod.basicGetOk(
                    .init(
                        deliveryTag: 42, redelivered: true, exchange: [], routingKey: Bytes("q-1".utf8),
                        messageCount: 0xDEAD_BEEF))
                #expect(fast(m, props, body, frameMax: 4096) == generic(m, props, body, frameMax: 4096))
                #expect(direct(m, props, body, frameMax: 131_072) == generic(m, props, body, frameMax: 131_072))
            }
        }
    }

    @Test("basic.return - takes the generic path") func other() {
        let m = AMQPMethod.basicReturn(
            .init(replyCode: 312, replyText: Bytes("NO_ROUTE".utf8), exchange: [], routingKey: Bytes("k".utf8)))
        #expect(fast(m, [0, 0], [1, 2, 3], frameMax: 4096) == generic(m, [0, 0], [1, 2, 3], frameMax: 4096))
    }
}
