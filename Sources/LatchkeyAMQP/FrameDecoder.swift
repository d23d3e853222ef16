// Splits a connection's read buffer into frames in place: 7-byte header (type, channel, size),
// payload, 0xCE. The size is checked against the negotiated frame_max from the header alone, so an
// oversized frame is refused before any of it is buffered. Payload decoding is left to callers.
import LatchkeyCore

/// A stateless frame splitter; `frameMax` is the negotiated maximum frame size (header and
/// end octet included), as in connection.tune.
package struct FrameDecoder {
    /// Largest whole frame accepted; a payload may be at most `frameMax - 8` bytes.
    package var frameMax: UInt32

    package init(frameMax: UInt32) { self.frameMax = Swift.max(frameMax, FrameType.minFrameMax) }

    /// Decodes the frame at the start of `input`.
    package func decode(_ input: UnsafeRawBufferPointer) -> FrameDecodeResult {
        guard input.count >= 7 else { return .needMoreData }
        let type = input[0]
        let channel = UInt16(input[1]) << 8 | UInt16(input[2])
        let size = UInt32(input[3]) << 24 | UInt32(input[4]) << 16 | UInt32(input[5]) << 8 | UInt32(input[6])
        let limit = frameMax - UInt32(FrameType.overhead)
        if size > limit { return .error(.tooLarge(type: type, size: size, limit: limit)) }
        let total = 7 + Int(size) + 1
        guard input.count >= total else { return .needMoreData }
        let payload = UnsafeRawBufferPointer(rebasing: input[7..<(7 + Int(size))])
        let marker = input[total - 1]
        if marker != FrameType.end {
            return .error(.badFrameEnd(type: type, marker: marker, payload: Bytes(payload.prefix(16))))
        }
        switch type {
        case FrameType.method, FrameType.header, FrameType.body:
            return .frame(Frame(type: type, channel: channel, payload: payload), consumed: total)
        case FrameType.heartbeat where size == 0:
            return .frame(Frame(type: type, channel: channel, payload: payload), consumed: total)
        default: return .error(.unknownType(type: type, payload: Bytes(payload.prefix(16))))
        }
    }
}
