// FrameDecoder fed whole, byte by byte and concatenated; frame_max enforced from the header alone;
// bad end octet and unknown types; FrameEncoder's body splitting and content sequences.
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyAMQP

/// What one decode step produced, copied out of the buffer.
enum Step: Equatable {
    case frame(type: UInt8, channel: UInt16, payload: Bytes, consumed: Int)
    case needMore
    case error(FrameError)
}

func step(_ d: FrameDecoder, _ b: Bytes) -> Step {
    b.withUnsafeBytes { p in
        switch d.decode(p) {
        case .frame(let f, let n):
            return .frame(type: f.type, channel: f.channel, payload: Bytes(f.payload), consumed: n)
        case .needMoreData: return .needMore
        case .error(let e): return .error(e)
        }
    }
}

/// Decodes every frame in `b`; stops at the first need-more or error.
func decodeAll(_ d: FrameDecoder, _ b: Bytes) -> (frames: [Step], rest: Int, error: FrameError?) {
    var offset = 0
    var frames: [Step] = []
    while true {
        switch step(d, Array(b[offset...])) {
        case .frame(let t, let c, let p, let n):
            frames.append(.frame(type: t, channel: c, payload: p, consumed: n))
            offset += n
        case .needMore: return (frames, b.count - offset, nil)
        case .error(let e): return (frames, b.count - offset, e)
        }
    }
}

func methodFrame(_ m: AMQPMethod, channel: UInt16 = 1) -> Bytes {
    var out: Bytes = []
    FrameEncoder.method(m, channel: channel, into: &out)
    return out
}

@Suite("Frame decoder") struct FrameDecoderTests {
    let d = FrameDecoder(frameMax: 4096)

    @Test("a method frame decodes whole; every strict prefix needs more data and consumes nothing") func dripFeed() {
        let f = methodFrame(.basicAck(.init(deliveryTag: 9, multiple: true)), channel: 3)
        #expect(f.count == 7 + 13 + 1)
        for p in DripFeed.prefixes(f).dropLast() { #expect(step(d, p) == .needMore) }
        guard case .frame(1, 3, let payload, 21) = step(d, f) else {
            Issue.record("no frame")
            return
        }
        #expect(payload == [0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 9, 1])
    }

    @Test("frames back to back decode in order, with a partial tail left unconsumed") func concatenated() {
        var buf = methodFrame(.channelOpen(.init()), channel: 1)
        FrameEncoder.heartbeat(into: &buf)
        buf += methodFrame(.basicQos(.init(prefetchCount: 10)), channel: 2)
        let tail = methodFrame(.channelClose(.init()), channel: 1)
        buf += tail.prefix(5)
        let r = decodeAll(d, buf)
        #expect(r.frames.count == 3)
        #expect(r.rest == 5)
        #expect(r.error == nil)
        if case .frame(8, 0, let p, 8) = r.frames[1] { #expect(p.isEmpty) } else { Issue.record("heartbeat") }
    }

    @Test("payload above frame_max - 8 is refused from the 7-byte header alone") func tooLarge() {
        let header: Bytes = [3, 0, 1, 0, 0, 0x27, 0x10]  // body, size 10000
        #expect(step(d, header) == .error(.tooLarge(type: 3, size: 10000, limit: 4088)))
        if case .tooLarge = FrameError.tooLarge(type: 3, size: 10000, limit: 4088) {
            #expect(
                FrameError.tooLarge(type: 3, size: 10000, limit: 4088).detail
                    == "type 3, all octets = <<>>: {frame_too_large,10000,4088}")
        }
        // Exactly frame_max - 8 is fine (needs the rest of the bytes).
        #expect(step(d, [3, 0, 1, 0, 0, 0x0F, 0xF8]) == .needMore)
        #expect(step(d, [3, 0, 1, 0, 0, 0x0F, 0xF9]) == .error(.tooLarge(type: 3, size: 4089, limit: 4088)))
    }

    @Test("a frame_max below 4096 is raised to the protocol minimum") func minimum() {
        #expect(FrameDecoder(frameMax: 0).frameMax == 4096)
        #expect(FrameDecoder(frameMax: 131072).frameMax == 131072)
    }

    @Test("a wrong frame-end octet is a frame error naming the octets") func badEnd() {
        var f = methodFrame(.channelOpen(.init()))
        f[f.count - 1] = 0
        let e = FrameError.badFrameEnd(type: 1, marker: 0, payload: [0, 20, 0, 10, 0])
        #expect(step(d, f) == .error(e))
        #expect(e.detail == "type 1, all octets = <<0,20,0,10,0>>: {invalid_frame_end_marker,0}")
    }

    @Test("an unknown frame type is a frame error") func unknownType() {
        let f: Bytes = [9, 0, 0, 0, 0, 0, 1, 7, 0xCE]
        #expect(step(d, f) == .error(.unknownType(type: 9, payload: [7])))
        #expect(FrameError.unknownType(type: 9, payload: [7]).detail == "type 9, all octets = <<7>>: unknown_frame")
    }

    @Test("a heartbeat frame with a payload is an unknown frame") func heartbeatWithPayload() {
        #expect(
            step(d, [8, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x63, 0xCE])
                == .error(.unknownType(type: 8, payload: [0x61, 0x62, 0x63])))
        #expect(
            FrameError.unknownType(type: 8, payload: Bytes("abc".utf8)).detail
                == "type 8, all octets = <<\"abc\">>: unknown_frame")
    }

    @Test("octets print as Erlang binaries: a string only when every byte is printable") func erlangBinary() {
        #expect(FrameError.erlangBinary(Bytes()) == "<<>>")
        #expect(FrameError.erlangBinary(Bytes("q\"\\".utf8)) == "<<\"q\\\"\\\\\">>")
        #expect(FrameError.erlangBinary([0x61, 0]) == "<<97,0>>")
    }

    @Test("long payloads show only their first 16 octets") func first16() {
        let e = FrameError.unknownType(type: 9, payload: Bytes(repeating: 1, count: 16))
        #expect(e.detail.hasPrefix("type 9, all octets = <<1,1"))
        #expect(FrameError.octets(Bytes(repeating: 2, count: 17)).hasPrefix("first 16 octets"))
    }
}

@Suite("Frame encoder") struct FrameEncoderTests {
    @Test("bodies split at frame_max - 8; an empty body has no body frame", arguments: [0, 1, 4087, 4088, 4089, 10000])
    func split(_ size: Int) throws {
        let body = Bytes((0..<size).map { UInt8(truncatingIfNeeded: $0) })
        var out: Bytes = []
        FrameEncoder.content(
            .basicDeliver(.init(consumerTag: Bytes("c".utf8), deliveryTag: 1)), channel: 5,
            properties: BasicProperties(deliveryMode: 2), body: body, frameMax: 4096, into: &out)
        let r = decodeAll(FrameDecoder(frameMax: 4096), out)
        #expect(r.rest == 0 && r.error == nil)
        let bodies = r.frames.dropFirst(2)
        #expect(bodies.count == (size + 4087) / 4088)
        var joined: Bytes = []
        for case .frame(let t, let c, let p, _) in bodies {
            #expect(t == 3 && c == 5 && p.count <= 4088)
            joined += p
        }
        #expect(joined == body)
        if case .frame(2, 5, let hp, _) = r.frames[1] {
            #expect(
                try decodeHeader(hp)
                    == ContentHeader(bodySize: UInt64(size), properties: BasicProperties(deliveryMode: 2)))
        } else {
            Issue.record("header frame")
        }
    }

    @Test("pre-encoded properties produce the same header frame") func encodedProperties() {
        var a: Bytes = []
        FrameEncoder.contentHeader(channel: 1, bodySize: 3, properties: allProperties, into: &a)
        var props: Bytes = []
        allProperties.encode(into: &props)
        var b: Bytes = []
        props.withUnsafeBytes { FrameEncoder.contentHeader(channel: 1, bodySize: 3, encodedProperties: $0, into: &b) }
        #expect(a == b)
    }

    @Test("heartbeat frame is type 8 on channel 0 with no payload") func heartbeat() {
        var out: Bytes = []
        FrameEncoder.heartbeat(into: &out)
        #expect(out == [8, 0, 0, 0, 0, 0, 0, 0xCE])
    }

    @Test("short strings longer than 255 bytes are cut at a character boundary") func shortStringLimit() {
        let s = String(repeating: "é", count: 200)  // 400 bytes
        let cut = ShortString.truncated(s)
        #expect(cut.count == 254)
        #expect(String(decoding: cut, as: UTF8.self) == String(repeating: "é", count: 127))
        var out: Bytes = []
        out.appendShortString(Bytes(repeating: 0x61, count: 300))
        #expect(out.count == 256 && out[0] == 255)
        #expect(ShortString.fits(Bytes(repeating: 0, count: 255)) && !ShortString.fits(Bytes(repeating: 0, count: 256)))
    }
}
