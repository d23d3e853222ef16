// libFuzzer entry point for the AMQP frame decoder and the payload codecs behind it. Not a
// SwiftPM target: Tests/Fuzz/run_amqp.sh compiles it together with LatchkeyCore and LatchkeyAMQP
// sources using `swiftc -sanitize=fuzzer,address`. Crashes, sanitizer reports and failed round-trips are bugs.

/// Splits the input into frames (frame_max chosen by the first byte), decodes each payload
/// as its frame type says, and checks that whatever decodes re-encodes to something that
/// decodes to the same value.
@_cdecl("LLVMFuzzerTestOneInput") public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let frameMax = UInt32(4096) + UInt32(data[0]) * 64
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let decoder = FrameDecoder(frameMax: frameMax)
    var offset = 0
    while offset < input.count {
        let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
        switch decoder.decode(rest) {
        case .needMoreData, .error: return 0
        case .frame(let frame, let consumed):
            precondition(consumed == frame.payload.count + 8 && consumed <= rest.count)
            precondition(frame.payload.count <= Int(frameMax) - 8)
            check(frame)
            offset += consumed
        }
    }
    return 0
}

func check(_ frame: Frame) {
    switch frame.type {
    case FrameType.method:
        guard let m = try? AMQPMethod.decode(frame.payload) else { return }
        var out: Bytes = []
        m.encode(into: &out)
        let again = out.withUnsafeBytes { try? AMQPMethod.decode($0) }
        precondition(again == m, "method round-trip")
    case FrameType.header:
        guard let h = try? ContentHeader.decode(frame.payload) else { return }
        var out: Bytes = []
        h.encode(into: &out)
        let again = out.withUnsafeBytes { try? ContentHeader.decode($0) }
        precondition(again == h, "header round-trip")
    default:
        // Body and heartbeat payloads are opaque; also try them as bare field tables.
        var r = WireReader(frame.payload)
        if let t = try? r.table() {
            var out: Bytes = []
            t.encode(into: &out)
            precondition(out.count <= frame.payload.count, "table grew")
        }
    }
}
