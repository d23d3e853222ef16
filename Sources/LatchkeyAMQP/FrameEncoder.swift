// Appends outgoing frames to an output buffer: method frames, content (method + header + body
// frames split at frame_max - 8; no body frame for an empty body) and heartbeats. Sizes are
// back-patched so methods encode straight into the buffer. Choosing what to send is the sessions' job.
import LatchkeyCore

/// Frame writers over a connection's output bytes.
package enum FrameEncoder {
    /// Writes a frame header with a zero size and returns the offset to patch.
    @inline(__always) static func beginFrame(type: UInt8, channel: UInt16, into out: inout Bytes) -> Int {
        out.append(type)
        out.appendU16(channel)
        let at = out.count
        out.appendU32(0)
        return at
    }

    @inline(__always) static func endFrame(sizeAt at: Int, into out: inout Bytes) {
        out.patchU32(UInt32(truncatingIfNeeded: out.count - at - 4), at: at)
        out.append(FrameType.end)
    }

    /// One method frame.
    package static func method(_ m: AMQPMethod, channel: UInt16, into out: inout Bytes) {
        let at = beginFrame(type: FrameType.method, channel: channel, into: &out)
        m.encode(into: &out)
        endFrame(sizeAt: at, into: &out)
    }

    /// A content header frame from decoded properties.
    package static func contentHeader(
        channel: UInt16, bodySize: UInt64, properties: BasicProperties, classID: UInt16 = AMQPClassID.basic,
        into out: inout Bytes
    ) {
        let at = beginFrame(type: FrameType.header, channel: channel, into: &out)
        out.appendU16(classID)
        out.appendU16(0)
        out.appendU64(bodySize)
        properties.encode(into: &out)
        endFrame(sizeAt: at, into: &out)
    }

    /// A content header frame from already-encoded property bytes (flags word + list), as a
    /// broker that stores messages compactly keeps them.
    package static func contentHeader(
        channel: UInt16, bodySize: UInt64, encodedProperties: UnsafeRawBufferPointer,
        classID: UInt16 = AMQPClassID.basic, into out: inout Bytes
    ) {
        let at = beginFrame(type: FrameType.header, channel: channel, into: &out)
        out.appendU16(classID)
        out.appendU16(0)
        out.appendU64(bodySize)
        out.append(contentsOf: encodedProperties)
        endFrame(sizeAt: at, into: &out)
    }

    /// Body frames, each payload at most `frameMax - 8` bytes; nothing for an empty body.
    package static func body(_ body: UnsafeRawBufferPointer, channel: UInt16, frameMax: UInt32, into out: inout Bytes) {
        let chunk = Int(Swift.max(frameMax, FrameType.minFrameMax)) - FrameType.overhead
        var offset = 0
        while offset < body.count {
            let n = Swift.min(chunk, body.count - offset)
            // The 7-byte frame header as one bulk append (this runs once per delivered message).
            var prefix: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (FrameType.body, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &prefix) { p in
                p.storeBytes(of: channel.bigEndian, toByteOffset: 1, as: UInt16.self)
                p.storeBytes(of: UInt32(n).bigEndian, toByteOffset: 3, as: UInt32.self)
                out.append(contentsOf: UnsafeRawBufferPointer(p))
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[offset..<(offset + n)]))
            out.append(FrameType.end)
            offset += n
        }
    }

    /// A content-bearing method followed by its header and body frames.
    package static func content(
        _ m: AMQPMethod, channel: UInt16, properties: BasicProperties, body: Bytes, frameMax: UInt32,
        into out: inout Bytes
    ) {
        method(m, channel: channel, into: &out)
        contentHeader(channel: channel, bodySize: UInt64(body.count), properties: properties, into: &out)
        body.withUnsafeBytes { FrameEncoder.body($0, channel: channel, frameMax: frameMax, into: &out) }
    }

    /// A heartbeat frame (type 8, channel 0, empty).
    package static func heartbeat(into out: inout Bytes) {
        out.append(contentsOf: [FrameType.heartbeat, 0, 0, 0, 0, 0, 0, FrameType.end])
    }

    /// The protocol header we send back when a client's header is wrong.
    package static let protocolHeader: Bytes = [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]
}
