// libFuzzer entry point for the RESP request decoder (and the reply parser). Built by run_resp.sh with
// `-sanitize=fuzzer,address`, not by SwiftPM. Each input is decoded whole and again in chunks whose
// sizes come from the input's first byte; both feedings must produce the same commands and errors
// (the decoder's "need more data, consume nothing" contract), and nothing may crash or overread.
import LatchkeyCore
import LatchkeyRESP

enum Event: Equatable {
    case command([Bytes])
    case error(String)
}

/// Decodes `chunks` as a connection would receive them, stopping at the first protocol error.
func decode(_ chunks: [ArraySlice<UInt8>], limits: RESPLimits) -> [Event] {
    let decoder = RESPDecoder(limits: limits)
    var buffer = Bytes()
    var events: [Event] = []
    for chunk in chunks {
        buffer.append(contentsOf: chunk)
        var failed = false
        let consumed: Int = buffer.withUnsafeBytes { raw in
            var offset = 0
            while true {
                switch decoder.next(raw, offset: &offset) {
                case .command: events.append(.command(decoder.argv.map { $0.bytes }))
                case .needMoreData: return offset
                case .protocolError(let text):
                    events.append(.error(text))
                    failed = true
                    return raw.count
                }
            }
        }
        precondition(consumed <= buffer.count)
        buffer.removeFirst(consumed)
        if failed { break }
    }
    return events
}

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Bytes(UnsafeBufferPointer(start: data + 1, count: size - 1))
    // Small limits so the fuzzer reaches every limit branch with short inputs.
    let limits = RESPLimits(maxBulkLength: 64, maxMultibulkLength: 16, maxInlineLength: 48)
    let whole = decode([input[...]], limits: limits)
    let step = Int(data[0] % 7) + 1
    var chunks: [ArraySlice<UInt8>] = []
    var i = 0
    while i < input.count {
        chunks.append(input[i..<min(i + step, input.count)])
        i += step
    }
    let chunked = decode(chunks, limits: limits)
    // A chunked feed may stop early only where the whole feed hit an error too.
    if whole != chunked { fatalError("whole and chunked decodes differ: \(whole) vs \(chunked)") }
    // The reply parser must reject or accept without crashing.
    _ = try? RESPReplyParser.parseAll(input)
    return 0
}
