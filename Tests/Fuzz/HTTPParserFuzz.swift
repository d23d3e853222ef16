// libFuzzer entry point for the management listener's codec: the HTTP request parser (fed whole
// and in chunks whose size comes from the first input byte: both must find the same requests
// when neither fails), the JSON parser (what parses must re-encode to a fixed point) and the
// base64 decoder. Built by run_http.sh with -sanitize=fuzzer,address, not by SwiftPM.

struct Parsed: Equatable {
    var method: String
    var target: String
    var headers: [String]
    var body: Bytes
}

func parse(_ chunks: [ArraySlice<UInt8>], limits: HTTPLimits) -> (requests: [Parsed], failed: Bool) {
    var parser = HTTPRequestParser(limits: limits)
    var buffer = Bytes()
    var out: [Parsed] = []
    for chunk in chunks {
        buffer.append(contentsOf: chunk)
        while true {
            let result = buffer.withUnsafeBytes { parser.next($0) }
            switch result {
            case .needMoreData: break
            case .failure(let status):
                precondition(status.code >= 400 && status.code < 600)
                return (out, true)
            case .request(let r, let consumed):
                precondition(consumed > 0 && consumed <= buffer.count)
                out.append(
                    Parsed(
                        method: r.method, target: r.target, headers: r.headers.map { $0.name + ":" + $0.value },
                        body: r.body))
                buffer.removeFirst(consumed)
                continue
            }
            break
        }
    }
    return (out, false)
}

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Bytes(UnsafeBufferPointer(start: data + 1, count: size - 1))
    // Small limits so short inputs reach every limit branch.
    var limits = HTTPLimits()
    limits.maxRequestLine = 64
    limits.maxHeaderBytes = 128
    limits.maxHeaderCount = 4
    limits.maxBody = 32
    let whole = parse([input[...]], limits: limits)
    let step = Int(data[0] % 13) + 1
    var chunks: [ArraySlice<UInt8>] = []
    var i = 0
    while i < input.count {
        chunks.append(input[i..<min(i + step, input.count)])
        i += step
    }
    let chunked = parse(chunks, limits: limits)
    if !whole.failed && !chunked.failed && whole.requests != chunked.requests {
        fatalError("whole and chunked parses differ: \(whole.requests) vs \(chunked.requests)")
    }
    if let v = JSON.parse(input) {
        let once = v.encoded
        guard let again = JSON.parse(once) else { fatalError("JSON encoding does not parse: \(once)") }
        if again.encoded != once { fatalError("JSON encoding is not a fixed point") }
    }
    if let decoded = Base64.decode(String(decoding: input, as: UTF8.self)) {
        precondition(Base64.decode(Base64.encode(decoded)) == decoded)
    }
    return 0
}
