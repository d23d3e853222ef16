// Reply parser for tests and the RESP fuzzer: RESP2/RESP3 reply bytes → RESPValue, so tests can
// compare what a session wrote with what a client would read. Not a request decoder; the server
// never parses replies (the Lua bridge reads `redis.call` replies with LuaReplyReader instead).
import LatchkeyCore

/// Why reply bytes could not be parsed.
public struct RESPReplyError: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

public enum RESPReplyParser {
    /// Parses one complete reply at `offset`, advancing it. Returns nil when the input ends
    /// before the reply does; throws on malformed input.
    public static func parse(_ input: UnsafeRawBufferPointer, offset: inout Int) throws -> RESPValue? {
        guard let raw = input.baseAddress else { return nil }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        var pos = offset
        guard let v = try value(p, input.count, &pos, depth: 0) else { return nil }
        offset = pos
        return v
    }

    /// Parses every complete reply in `bytes`; throws if anything is malformed or left over.
    public static func parseAll(_ bytes: Bytes) throws -> [RESPValue] {
        try bytes.withUnsafeBytes { buf in
            var out: [RESPValue] = []
            var offset = 0
            while offset < buf.count {
                guard let v = try parse(buf, offset: &offset) else { throw RESPReplyError("incomplete reply") }
                out.append(v)
            }
            return out
        }
    }

    /// Parses exactly one reply.
    public static func parseOne(_ bytes: Bytes) throws -> RESPValue {
        let all = try parseAll(bytes)
        guard all.count == 1 else { throw RESPReplyError("expected one reply, got \(all.count)") }
        return all[0]
    }

    private static func line(_ p: UnsafePointer<UInt8>, _ end: Int, _ pos: inout Int) -> Bytes? {
        var i = pos
        while i + 1 < end {
            if p[i] == 13 && p[i + 1] == 10 {
                let b = Bytes(UnsafeBufferPointer(start: p + pos, count: i - pos))
                pos = i + 2
                return b
            }
            i += 1
        }
        return nil
    }

    private static func number(_ b: Bytes) throws -> Int64 {
        guard let n = ASCII.parseInt64(b) else { throw RESPReplyError("bad length or integer '\(b.string)'") }
        return n
    }

    private static func value(_ p: UnsafePointer<UInt8>, _ end: Int, _ pos: inout Int, depth: Int) throws -> RESPValue?
    {
        if depth > 1000 { throw RESPReplyError("nesting too deep") }
        guard pos < end else { return nil }
        let type = p[pos]
        pos += 1
        guard let head = line(p, end, &pos) else { return nil }
        switch type {
        case 43: return .simpleString(head)
        case 45: return .error(head)
        case 58: return .integer(try number(head))
        case 95: return .null
        case 35:
            guard head.count == 1, head[0] == 116 || head[0] == 102 else { throw RESPReplyError("bad boolean") }
            return .boolean(head[0] == 116)
        case 44:
            let text = head.string
            switch text {
            case "inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan": return .double(.nan)
            default:
                guard let d = Double(text) else { throw RESPReplyError("bad double '\(text)'") }
                return .double(d)
            }
        case 40: return .bigNumber(head)
        case 36, 61, 33:  // bulk, verbatim, blob error
            let n = try number(head)
            if n < 0 {
                if type == 36 { return .null }
                throw RESPReplyError("negative length")
            }
            // Compared as remaining bytes, so a huge length can't overflow the arithmetic.
            guard n <= Int64(end - pos - 2) else { return nil }
            let len = Int(n)
            let body = Bytes(UnsafeBufferPointer(start: p + pos, count: len))
            pos += len + 2
            if type == 33 { return .error(body) }
            if type == 61 {
                guard body.count >= 4, body[3] == 58 else { throw RESPReplyError("bad verbatim string") }
                return .verbatim(format: Array(body[0..<3]), text: Array(body[4...]))
            }
            return .bulkString(body)
        case 42, 126, 62, 37:
            let n = try number(head)
            if n < 0 {
                if type == 42 { return .nullArray }
                throw RESPReplyError("negative aggregate length")
            }
            // Every element takes at least 3 bytes: a larger count can only be incomplete.
            guard n <= Int64(end - pos) else { return nil }
            let count = Int(n) * (type == 37 ? 2 : 1)
            var items: [RESPValue] = []
            items.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let v = try value(p, end, &pos, depth: depth + 1) else { return nil }
                items.append(v)
            }
            switch type {
            case 126: return .set(items)
            case 62: return .push(items)
            case 37:
                var pairs: [RESPPair] = []
                var i = 0
                while i < items.count {
                    pairs.append(RESPPair(items[i], items[i + 1]))
                    i += 2
                }
                return .map(pairs)
            default: return .array(items)
            }
        default: throw RESPReplyError("unknown reply type byte \(type)")
        }
    }
}
