// The per-message frames a broker sends most: basic.deliver / basic.get-ok with a stored message
// (already-encoded property bytes and the body), written as a few bulk appends instead of one
// append per octet. The bytes are exactly FrameEncoder's (method + content header + body frames);
// any other method goes through FrameEncoder unchanged. Choosing what to send stays with the sessions.
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
    /// The largest method frame the fast path writes: frame header 7 + ids 4 + three shortstrs
    /// (3 × 256) + delivery tag 8 + bits 1 + message count 4 + end 1, plus the 19-byte header
    /// frame prefix that follows it in the same buffer.
    static let storedContentScratch = 7 + 4 + 3 * 256 + 8 + 1 + 4 + 1 + 19

    /// A content-bearing method followed by a content header built from stored property bytes
    /// (flags word + property list) and body frames split at `frameMax - 8` (none for an empty
    /// body): the same bytes as `method` + `contentHeader(encodedProperties:)` + `body`.
    package static func storedContent(
        _ m: AMQPMethod, channel: UInt16, encodedProperties: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer,
        frameMax: UInt32, into out: inout Bytes
    ) {
        switch m {
        case .basicDeliver, .basicGetOk: break
        default:
            method(m, channel: channel, into: &out)
            contentHeader(
                channel: channel, bodySize: UInt64(body.count), encodedProperties: encodedProperties, into: &out)
            FrameEncoder.body(body, channel: channel, frameMax: frameMax, into: &out)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: storedContentScratch) { buf in
            var w = RawFrameWriter(buf.baseAddress!)
            w.u8(FrameType.method)
            w.int(channel)
            w.int(UInt32(0))  // patched below
            switch m {
            case .basicDeliver(let d):
                w.int(AMQPMethod.BasicDeliver.classID)
                w.int(AMQPMethod.BasicDeliver.methodID)
                w.shortString(d.consumerTag)
                w.int(d.deliveryTag)
                w.u8(d.redelivered ? 1 : 0)
                w.shortString(d.exchange)
                w.shortString(d.routingKey)
            case .basicGetOk(let g):
                w.int(AMQPMethod.BasicGetOk.classID)
                w.int(AMQPMethod.BasicGetOk.methodID)
                w.int(g.deliveryTag)
                w.u8(g.redelivered ? 1 : 0)
                w.shortString(g.exchange)
                w.shortString(g.routingKey)
                w.int(g.messageCount)
            default: preconditionFailure("checked above")
            }
            UnsafeMutableRawPointer(buf.baseAddress! + 3).storeBytes(of: UInt32(w.pos - 7).bigEndian, as: UInt32.self)
            w.u8(FrameType.end)
            // Content header frame up to its property bytes: class basic, weight 0, body size.
            w.u8(FrameType.header)
            w.int(channel)
            w.int(UInt32(truncatingIfNeeded: 12 + encodedProperties.count))
            w.int(AMQPClassID.basic)
            w.int(UInt16(0))
            w.int(UInt64(body.count))
            out.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: w.pos))
        }
        out.append(contentsOf: encodedProperties)
        out.append(FrameType.end)
        FrameEncoder.body(body, channel: channel, frameMax: frameMax, into: &out)
    }
}
