// ASCII helpers for parsing and formatting numbers directly on bytes, so hot paths never build
// a String to read "PX 30000" or write ":1\r\n".

public enum ASCII {
    @inlinable public static func upper(_ c: UInt8) -> UInt8 { (c >= 97 && c <= 122) ? c &- 32 : c }

    @inlinable public static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c &+ 32 : c }

    /// Parses a whole buffer as a signed decimal Int64 the way Redis's string2ll does:
    /// no spaces, no '+', no leading zeros (except "0"), no overflow. Returns nil otherwise.
    /// Most numbers read here (RESP counts and lengths, TTLs, increments) are 1 to 9 plain
    /// digits, to which none of those checks can apply: they take a short inlined loop, and
    /// everything else the general reader.
    @inlinable @inline(__always) public static func parseInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 1, n <= 9, p[0] != 48 || n == 1 else { return parseInt64General(p, n) }
        var v: Int64 = 0
        for k in 0..<n {
            let d = p[k] &- 48
            if d > 9 { return parseInt64General(p, n) }
            v = v &* 10 &+ Int64(d)
        }
        return v
    }

    /// `parseInt64` without its short-number path (string2ll's rules in full).
    @inlinable public static func parseInt64General(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        if n == 0 || n > 20 { return nil }
        var i = 0
        var negative = false
        if p[0] == 45 {  // '-'
            negative = true
            i = 1
            if n == 1 { return nil }
        }
        if p[i] == 48 { return (n == i + 1 && !negative) ? 0 : nil }  // "0" ok, "-0"/"01" not
        guard let value = parseDigits(p, from: i, to: n) else { return nil }
        if negative {
            if value > UInt64(Int64.max) + 1 { return nil }
            return value == UInt64(Int64.max) + 1 ? Int64.min : -Int64(value)
        }
        return value > UInt64(Int64.max) ? nil : Int64(value)
    }

    /// The decimal digits `p[start..<end]` as a UInt64 (0 when empty); nil for a non-digit or
    /// a value past 2^64-1. The digit loop under every integer reader here.
    @inlinable @inline(__always) public static func parseDigits(
        _ p: UnsafePointer<UInt8>, from start: Int, to end: Int
    ) -> UInt64? {
        var value: UInt64 = 0
        var i = start
        while i < end {
            let d = p[i] &- 48
            if d > 9 { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return value
    }

    @inlinable public static func parseInt64(_ v: ByteView) -> Int64? { parseInt64(v.base, v.count) }

    @inlinable public static func parseInt64(_ b: Bytes) -> Int64? {
        b.withUnsafeBufferPointer { parseInt64($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
    }

    /// Appends the decimal form of `v` to `out`.
    @inlinable public static func appendDecimal(_ v: Int64, to out: inout Bytes) {
        if v >= 0 && v < 10 {
            out.append(48 &+ UInt8(v))
            return
        }
        withDecimal(v) { out.append(contentsOf: UnsafeBufferPointer(start: $0.base, count: $0.count)) }
    }

    /// Calls `body` with the decimal form of `v`, written on the stack (no allocation).
    @inlinable public static func withDecimal<R>(_ v: Int64, _ body: (ByteView) -> R) -> R {
        var magnitude = v.magnitude
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        return withUnsafeMutableBytes(of: &tmp) { raw in
            var i = 24
            repeat {
                i -= 1
                raw[i] = 48 &+ UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if v < 0 {
                i -= 1
                raw[i] = 45
            }
            let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return body(ByteView(base: base + i, count: 24 - i))
        }
    }

    /// The decimal form of `v` as bytes.
    @inlinable public static func decimal(_ v: Int64) -> Bytes {
        var out = Bytes()
        appendDecimal(v, to: &out)
        return out
    }
}
