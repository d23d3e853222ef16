// AMQP frame types, the frame view the decoder hands out, and frame-level errors with
// RabbitMQ's FRAME_ERROR detail texts. Turning an error into connection.close is the session's job.
import LatchkeyCore

/// Frame type octets.
package enum FrameType {
    package static let method: UInt8 = 1
    package static let header: UInt8 = 2
    package static let body: UInt8 = 3
    package static let heartbeat: UInt8 = 8
    /// The octet that ends every frame.
    package static let end: UInt8 = 0xCE
    /// 7-byte header (type, channel, size) plus the end octet.
    package static let overhead = 8
    /// The smallest frame_max a peer may negotiate.
    package static let minFrameMax: UInt32 = 4096
}

/// One complete frame inside the caller's buffer. Valid until the buffer is consumed.
package struct Frame {
    package let type: UInt8
    package let channel: UInt16
    package let payload: UnsafeRawBufferPointer

    package init(type: UInt8, channel: UInt16, payload: UnsafeRawBufferPointer) {
        self.type = type
        self.channel = channel
        self.payload = payload
    }
}

/// A framing violation; every one is a connection error 501 FRAME_ERROR.
package enum FrameError: Error, Equatable {
    /// Payload larger than frame_max - 8 (detected from the header, nothing buffered).
    case tooLarge(type: UInt8, size: UInt32, limit: UInt32)
    /// The octet after the payload was not 0xCE.
    case badFrameEnd(type: UInt8, marker: UInt8, payload: Bytes)
    /// A type octet other than 1, 2, 3, 8, or a heartbeat with a payload (RabbitMQ's `unknown_frame`).
    case unknownType(type: UInt8, payload: Bytes)

    /// The detail after "FRAME_ERROR - ", in RabbitMQ's shape
    /// (`type 3, all octets = <<>>: {frame_too_large,10000,4088}`).
    package var detail: String {
        switch self {
        case .tooLarge(let t, let size, let limit):
            return "type \(t), all octets = <<>>: {frame_too_large,\(size),\(limit)}"
        case .badFrameEnd(let t, let marker, let payload):
            return "type \(t), \(FrameError.octets(payload)): {invalid_frame_end_marker,\(marker)}"
        case .unknownType(let t, let payload): return "type \(t), \(FrameError.octets(payload)): unknown_frame"
        }
    }

    /// RabbitMQ's rendering of (at most the first 16) payload octets: `all octets = <<1,2>>`.
    package static func octets(_ p: Bytes) -> String {
        (p.count <= 16 ? "all octets" : "first 16 octets") + " = " + erlangBinary(p.prefix(16))
    }

    /// An Erlang `~p` binary: `<<"text">>` when every byte is printable ASCII, else `<<0,20,...>>`.
    package static func erlangBinary<C: Collection>(_ p: C) -> String where C.Element == UInt8 {
        if !p.isEmpty && p.allSatisfy({ $0 >= 32 && $0 < 127 }) {
            var s = "<<\""
            for b in p {
                if b == 0x22 || b == 0x5C { s.append("\\") }
                s.append(Character(UnicodeScalar(b)))
            }
            return s + "\">>"
        }
        return "<<" + p.map { String($0) }.joined(separator: ",") + ">>"
    }
}

/// The outcome of one decode step.
package enum FrameDecodeResult {
    /// A frame and the number of bytes it occupied (header + payload + end octet).
    case frame(Frame, consumed: Int)
    /// The input holds only part of a frame; nothing was consumed.
    case needMoreData
    case error(FrameError)
}
