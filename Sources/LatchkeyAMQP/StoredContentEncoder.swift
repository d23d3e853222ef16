// The per-message frames a broker sends most: basic.deliver / basic.get-ok with a stored message
// (already-encoded property bytes and the body), written from their fields without an AMQPMethod
// value: a small message (body in one frame, under 1 KiB in all) is composed on the stack and
// appended once, a larger one with a few bulk appends. The bytes are exactly FrameEncoder's (method
// + content header + body frames); any other method goes through FrameEncoder unchanged. Choosing
// what to send stays with the sessions.
import LatchkeyCore

/// Big-endian writes into memory the caller sized; no bounds checks beyond the caller's.
struct RawFrameWriter {
    let base: UnsafeMutablePointer<UInt8>
    var pos = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always) mutating func u8(_ v: UInt8) {
        base[pos] = v
        pos += 1
    }

    /// A big-endian u16/u32/u64.
    @inline(__always) mutating func int<T: FixedWidthInteger>(_ v: T) {
        UnsafeMutableRawPointer(base + pos).storeBytes(of: v.bigEndian, as: T.self)
        pos += MemoryLayout<T>.size
    }

    /// Raw bytes.
    @inline(__always) mutating func bytes(_ b: UnsafeRawBufferPointer) {
        if let src = b.baseAddress, b.count > 0 {
            UnsafeMutableRawPointer(base + pos).copyMemory(from: src, byteCount: b.count)
            pos += b.count
        }
    }

    /// u8 length + at most 255 bytes (FrameEncoder truncates the same way).
    @inline(__always) mutating func shortString(_ s: Bytes) {
        let n = Swift.min(s.count, 255)
        base[pos] = UInt8(n)
        pos += 1
        if n > 0 {
            s.withUnsafeBufferPointer { (base + pos).update(from: $0.baseAddress!, count: n) }
            pos += n
        }
    }
}

extension FrameEncoder {
    /// The largest method frame written here: frame header 7 + ids 4 + three shortstrs
    /// (3 × 256) + delivery tag 8 + bits 1 + message count 4 + end 1, plus the 19-byte header
    /// frame prefix that follows it in the same buffer (the scratch of a large message).
    static let storedContentScratch = 7 + 4 + 3 * 256 + 8 + 1 + 4 + 1 + 19

    /// A content-bearing method followed by a content header built from stored property bytes
    /// (flags word + property list) and body frames split at `frameMax - 8` (none for an empty
    /// body): the same bytes as `method` + `contentHeader(encodedProperties:)` + `body`.
    package static func storedContent(
        _ m: AMQPMethod, channel: UInt16, encodedProperties: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer,
        frameMax: UInt32, into out: inout Bytes
    ) {
        switch m {
        case .basicDeliver(let d):
            deliver(
                channel: channel, consumerTag: d.consumerTag, deliveryTag: d.deliveryTag, redelivered: d.redelivered,
                exchange: d.exchange, routingKey: d.routingKey, encodedProperties: encodedProperties, body: body,
                frameMax: frameMax, into: &out)
        case .basicGetOk(let g):
            getOk(
                channel: channel, deliveryTag: g.deliveryTag, redelivered: g.redelivered, exchange: g.exchange,
                routingKey: g.routingKey, messageCount: g.messageCount, encodedProperties: encodedProperties,
                body: body,
                frameMax: frameMax, into: &out)
        default:
            method(m, channel: channel, into: &out)
            contentHeader(
                channel: channel, bodySize: UInt64(body.count), encodedProperties: encodedProperties, into: &out)
            FrameEncoder.body(body, channel: channel, frameMax: frameMax, into: &out)
        }
    }
}

extension FrameEncoder {
    /// The most a stored content composed on the stack may take (method, header and one body
    /// frame together); larger ones are appended in pieces.
    static let inlineContentLimit = 1024

    /// basic.get-ok(delivery-tag, redelivered, exchange, routing-key, message-count) with its
    /// content header and body frames, from a stored message's property bytes and body: the
    /// same bytes as `storedContent(.basicGetOk(...), ...)`, without building the method value.
    package static func getOk(
        channel: UInt16, deliveryTag: UInt64, redelivered: Bool, exchange: Bytes, routingKey: Bytes,
        messageCount: UInt32, encodedProperties: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer,
        frameMax: UInt32, into out: inout Bytes
    ) {
        let args = 4 + 8 + 1 + shortStringSize(exchange) + shortStringSize(routingKey) + 4
        content(channel: channel, arguments: args, encodedProperties, body, frameMax, &out) { w in
            w.int(AMQPMethod.BasicGetOk.classID)
            w.int(AMQPMethod.BasicGetOk.methodID)
            w.int(deliveryTag)
            w.u8(redelivered ? 1 : 0)
            w.shortString(exchange)
            w.shortString(routingKey)
            w.int(messageCount)
        }
    }

    /// basic.deliver(consumer-tag, delivery-tag, redelivered, exchange, routing-key) with its
    /// content, as `getOk` does for get-ok.
    package static func deliver(
        channel: UInt16, consumerTag: Bytes, deliveryTag: UInt64, redelivered: Bool, exchange: Bytes,
        routingKey: Bytes, encodedProperties: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer,
        frameMax: UInt32, into out: inout Bytes
    ) {
        let args = 4 + shortStringSize(consumerTag) + 8 + 1 + shortStringSize(exchange) + shortStringSize(routingKey)
        content(channel: channel, arguments: args, encodedProperties, body, frameMax, &out) { w in
            w.int(AMQPMethod.BasicDeliver.classID)
            w.int(AMQPMethod.BasicDeliver.methodID)
            w.shortString(consumerTag)
            w.int(deliveryTag)
            w.u8(redelivered ? 1 : 0)
            w.shortString(exchange)
            w.shortString(routingKey)
        }
    }

    @inline(__always) static func shortStringSize(_ s: Bytes) -> Int { 1 + Swift.min(s.count, 255) }

    /// Method frame (`arguments` bytes: ids and arguments, written by `method`), content header
    /// and body frames. When the body fits one frame and the whole is small, it is composed on
    /// the stack and appended once.
    @inline(__always) static func content(
        channel: UInt16, arguments: Int, _ properties: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer,
        _ frameMax: UInt32, _ out: inout Bytes, method: (inout RawFrameWriter) -> Void
    ) {
        let chunk = Int(Swift.max(frameMax, FrameType.minFrameMax)) - FrameType.overhead
        let bodyFrame = body.count == 0 ? 0 : FrameType.overhead + body.count
        let total = FrameType.overhead + arguments + FrameType.overhead + 12 + properties.count + bodyFrame
        let inline = body.count <= chunk && total <= inlineContentLimit
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: inline ? total : storedContentScratch) { buf in
            var w = RawFrameWriter(buf.baseAddress!)
            w.u8(FrameType.method)
            w.int(channel)
            w.int(UInt32(truncatingIfNeeded: arguments))
            method(&w)
            w.u8(FrameType.end)
            w.u8(FrameType.header)
            w.int(channel)
            w.int(UInt32(truncatingIfNeeded: 12 + properties.count))
            w.int(AMQPClassID.basic)
            w.int(UInt16(0))
            w.int(UInt64(body.count))
            if !inline {
                out.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: w.pos))
                out.append(contentsOf: properties)
                out.append(FrameType.end)
                FrameEncoder.body(body, channel: channel, frameMax: frameMax, into: &out)
                return
            }
            w.bytes(properties)
            w.u8(FrameType.end)
            if body.count > 0 {
                w.u8(FrameType.body)
                w.int(channel)
                w.int(UInt32(truncatingIfNeeded: body.count))
                w.bytes(body)
                w.u8(FrameType.end)
            }
            out.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: w.pos))
        }
    }
}
