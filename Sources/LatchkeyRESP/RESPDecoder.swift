// Request decoder for RESP clients: multibulk (`*N $len ...`) and inline (telnet-style) requests,
// parsed in place from the connection's read buffer. Arguments are ByteViews into that buffer
// (or into a scratch buffer for inline requests, which need unescaping). Limits are checked on
// length prefixes before anything is buffered. Command semantics are left to LatchkeyCommands.
import LatchkeyCore

/// Limits the decoder enforces on every request (Redis's proto-max-* directives).
public struct RESPLimits: Sendable {
    /// Largest bulk argument (`proto-max-bulk-len`, default 512 MB).
    public var maxBulkLength: Int
    /// Largest argument count (`proto-max-multibulk-len`).
    public var maxMultibulkLength: Int
    /// Largest inline request line, and largest `*N`/`$N` header line.
    public var maxInlineLength: Int

    public init(
        maxBulkLength: Int = 512 * 1024 * 1024, maxMultibulkLength: Int = 1_048_576, maxInlineLength: Int = 64 * 1024
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxMultibulkLength = maxMultibulkLength
        self.maxInlineLength = maxInlineLength
    }
}

/// What one call to `RESPDecoder.next` found.
public enum RESPRequest: Equatable, Sendable {
    /// A complete command: its arguments are in `decoder.argv` until the next call.
    case command
    /// The rest of the input is a partial request; nothing of it was consumed.
    case needMoreData
    /// The input violates the protocol. The text is Redis's, without the `ERR ` prefix
    /// (e.g. `Protocol error: invalid bulk length`); reply with it and close the connection.
    case protocolError(String)
}

/// Incremental RESP request decoder. One per connection; not thread-safe.
public final class RESPDecoder {
    @exclusivity(unchecked) public var limits: RESPLimits
    /// Unauthenticated clients get Redis's tighter caps (10 arguments, 16 KB bulk).
    @exclusivity(unchecked) public var authenticated = true

    /// Argument storage, reused for every command (no allocation in steady state).
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<ByteView>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    /// Number of arguments of the last `.command`.
    @exclusivity(unchecked) public private(set) var argc: Int = 0
    /// Multibulk arguments as (offset from the request start, length) while a request is being
    /// parsed; turned into ByteViews once it is complete, so a request that arrives over many
    /// reads is resumed where it stopped instead of re-parsed (the buffer may move in between).
    @exclusivity(unchecked) private var spans: UnsafeMutablePointer<(Int, Int)>
    /// The partial multibulk request left off at: its count, arguments parsed, next header offset.
    @exclusivity(unchecked) private var resumeCount = 0
    @exclusivity(unchecked) private var resumeParsed = 0
    @exclusivity(unchecked) private var resumeOffset = 0
    /// Scratch space holding unescaped inline arguments.
    @exclusivity(unchecked) private var scratch: UnsafeMutablePointer<UInt8>? = nil
    @exclusivity(unchecked) private var scratchCapacity = 0

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
        capacity = 16
        storage = .allocate(capacity: 16)
        spans = .allocate(capacity: 16)
    }

    deinit {
        storage.deallocate()
        spans.deallocate()
        scratch?.deallocate()
    }

    /// The arguments of the last `.command`; valid until the next call or until the input
    /// buffer changes.
    @inlinable public var argv: UnsafeBufferPointer<ByteView> { UnsafeBufferPointer(start: storage, count: argc) }

    /// Decodes the next request starting at `offset`. On `.command`, `offset` moves past it;
    /// on `.needMoreData` it stays at the start of the partial request. Empty requests
    /// (`*0`, `*-1`, blank inline lines) are skipped silently.
    public func next(_ input: UnsafeRawBufferPointer, offset: inout Int) -> RESPRequest {
        guard let raw = input.baseAddress else { return .needMoreData }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = input.count
        while offset < end {
            let r: RESPRequest
            var pos = offset
            if base[offset] == 42 {  // '*'
                r = multibulk(base, end, &pos)
            } else {
                r = inline(base, end, &pos)
            }
            switch r {
            case .command:
                offset = pos
                if argc > 0 { return .command }
                continue  // empty request: consumed, no reply
            default: return r
            }
        }
        return .needMoreData
    }

    // MARK: multibulk

    /// Finds '\r' in [from, end); returns its index, or nil (need more data), or -1 when the
    /// header line is already longer than the limit.
    /// A header longer than the limit is refused even when its CR is already here, so the
    /// outcome never depends on how the bytes were split across reads.
    @inline(__always) private func findCR(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        var i = from
        // Written so that no sum can overflow whatever the configured limit (CONFIG SET may set
        // it to Int64.max): compare the bytes available with the limit, never add to it.
        let stop = end - from > limits.maxInlineLength ? from + limits.maxInlineLength + 1 : end
        while i < stop {
            if p[i] == 13 { return i }
            i += 1
        }
        return (end - from > limits.maxInlineLength) ? -1 : nil
    }

    private func multibulk(_ p: UnsafePointer<UInt8>, _ end: Int, _ pos: inout Int) -> RESPRequest {
        argc = 0
        guard let cr = findCR(p, pos + 1, end) else { return .needMoreData }
        if cr < 0 { return .protocolError("Protocol error: too big mbulk count string") }
        // Redis reads the count up to '\r' and skips the following byte without checking it.
        if cr + 1 >= end { return .needMoreData }
        guard let count = ASCII.parseInt64(p + pos + 1, cr - pos - 1), count <= Int64(Int32.max) else {
            return .protocolError("Protocol error: invalid multibulk length")
        }
        if count <= 0 {  // *0, *-1: ignored
            pos = cr + 2
            return .command
        }
        if count > Int64(limits.maxMultibulkLength) {
            return .protocolError("Protocol error: invalid multibulk length")
        }
        if !authenticated && count > 10 { return .protocolError("Protocol error: unauthenticated multibulk length") }
        let n = Int(count)
        var i = cr + 2
        var produced = 0
        // The caller offers a partial request again from its start, with more bytes appended.
        if resumeCount == n {
            produced = resumeParsed
            i = pos + resumeOffset
        }
        resumeCount = 0
        func suspend() -> RESPRequest {
            resumeCount = n
            resumeParsed = produced
            resumeOffset = i - pos
            return .needMoreData
        }
        while produced < n {
            if i >= end { return suspend() }
            if p[i] != 36 {  // '$'
                let c = String(decoding: CollectionOfOne(p[i]), as: UTF8.self)
                return .protocolError("Protocol error: expected '$', got '\(c)'")
            }
            guard let bcr = findCR(p, i + 1, end) else { return suspend() }
            if bcr < 0 { return .protocolError("Protocol error: too big bulk count string") }
            if bcr + 1 >= end { return suspend() }
            guard let len = ASCII.parseInt64(p + i + 1, bcr - i - 1), len >= 0, len <= Int64(limits.maxBulkLength)
            else { return .protocolError("Protocol error: invalid bulk length") }
            if !authenticated && len > 16384 { return .protocolError("Protocol error: unauthenticated bulk length") }
            let start = bcr + 2
            // `len` may be as large as the limit (up to Int64.max): compare, don't add.
            if len > Int64(end - start) - 2 { return suspend() }
            let stop = start + Int(len)
            reserve(produced)
            spans[produced] = (start - pos, Int(len))
            produced += 1
            i = stop + 2  // the trailing CRLF is skipped unchecked, as Redis does
        }
        let requestStart = p + pos
        for k in 0..<n { (storage + k).initialize(to: ByteView(base: requestStart + spans[k].0, count: spans[k].1)) }
        argc = n
        pos = i
        return .command
    }

    /// Makes room for argument `index` in both argument arrays.
    @inline(__always) private func reserve(_ index: Int) {
        if index < capacity { return }
        let bigger = UnsafeMutablePointer<ByteView>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: capacity)
        storage.deallocate()
        storage = bigger
        let biggerSpans = UnsafeMutablePointer<(Int, Int)>.allocate(capacity: capacity * 2)
        biggerSpans.moveInitialize(from: spans, count: capacity)
        spans.deallocate()
        spans = biggerSpans
        capacity *= 2
    }

    @inline(__always) private func append(_ v: ByteView, at index: Int) {
        reserve(index)
        (storage + index).initialize(to: v)
    }

    // MARK: inline

    private func inline(_ p: UnsafePointer<UInt8>, _ end: Int, _ pos: inout Int) -> RESPRequest {
        argc = 0
        // As with headers, a line longer than the limit is refused whether or not its newline
        // has arrived (Redis only checks while the newline is missing; this is read-split-proof).
        var nl = pos
        let scanEnd = end - pos > limits.maxInlineLength ? pos + limits.maxInlineLength + 1 : end
        while nl < scanEnd && p[nl] != 10 { nl += 1 }
        if nl == scanEnd {
            if nl - pos > limits.maxInlineLength { return .protocolError("Protocol error: too big inline request") }
            return .needMoreData
        }
        var lineEnd = nl
        if lineEnd > pos && p[lineEnd - 1] == 13 { lineEnd -= 1 }
        // The line is a C string in Redis: a NUL ends it.
        var stop = pos
        while stop < lineEnd && p[stop] != 0 { stop += 1 }
        let length = stop - pos
        if length > scratchCapacity || scratch == nil {
            scratch?.deallocate()
            scratchCapacity = max(length, 256)
            scratch = .allocate(capacity: scratchCapacity)
        }
        guard split(p + pos, length) else { return .protocolError("Protocol error: unbalanced quotes in request") }
        pos = nl + 1
        return .command
    }

    @inline(__always) private static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }

    @inline(__always) private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    /// Splits one inline line into arguments with sdssplitargs's rules: blanks separate,
    /// "double quotes" understand \xHH \n \r \t \b \a and \<c>, 'single quotes' only \',
    /// and a closing quote must be followed by a blank or the end of the line.
    private func split(_ s: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let out = scratch!
        var w = 0
        var i = 0
        var count = 0
        while true {
            while i < n && RESPDecoder.isSpace(s[i]) { i += 1 }
            if i >= n { break }
            let start = w
            var inDouble = false
            var inSingle = false
            var done = false
            while !done {
                let c: UInt8 = i < n ? s[i] : 0
                let atEnd = i >= n
                if inDouble {
                    if atEnd { return false }
                    if c == 92 && i + 3 < n && s[i + 1] == 120, let h = RESPDecoder.hexValue(s[i + 2]),
                        let l = RESPDecoder.hexValue(s[i + 3])
                    {
                        out[w] = h << 4 | l
                        w += 1
                        i += 3
                    } else if c == 92 && i + 1 < n {
                        i += 1
                        switch s[i] {
                        case 110: out[w] = 10
                        case 114: out[w] = 13
                        case 116: out[w] = 9
                        case 98: out[w] = 8
                        case 97: out[w] = 7
                        default: out[w] = s[i]
                        }
                        w += 1
                    } else if c == 34 {
                        if i + 1 < n && !RESPDecoder.isSpace(s[i + 1]) { return false }
                        done = true
                    } else {
                        out[w] = c
                        w += 1
                    }
                } else if inSingle {
                    if atEnd { return false }
                    if c == 92 && i + 1 < n && s[i + 1] == 39 {
                        i += 1
                        out[w] = 39
                        w += 1
                    } else if c == 39 {
                        if i + 1 < n && !RESPDecoder.isSpace(s[i + 1]) { return false }
                        done = true
                    } else {
                        out[w] = c
                        w += 1
                    }
                } else {
                    if atEnd || RESPDecoder.isSpace(c) {
                        done = true
                    } else if c == 34 {
                        inDouble = true
                    } else if c == 39 {
                        inSingle = true
                    } else {
                        out[w] = c
                        w += 1
                    }
                }
                if !atEnd { i += 1 }
            }
            append(ByteView(base: UnsafePointer(out + start), count: w - start), at: count)
            count += 1
        }
        argc = count
        return true
    }
}
