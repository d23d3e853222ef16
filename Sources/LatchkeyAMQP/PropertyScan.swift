// Reads a basic content header's flags word and property list without building BasicProperties:
// it checks the bytes exactly as BasicProperties.decode does (same reads in the same order, so
// the same AMQPDecodeError for any input) and reports the few properties a broker acts on, as
// offsets into the bytes. A publisher's properties can then be stored as received. `canonical`
// says whether decode + encode would give the same bytes back; the only value that does not
// round-trip are a bool field octet other than 0 or 1, which encode writes as 1, and flag bit 1,
// which no property uses and encode clears.
import LatchkeyCore

/// What a broker needs from a content header's properties, found by `BasicProperties.scan`.
package struct PropertySummary: Equatable, Sendable {
    /// The flags word.
    package var flags: UInt16 = 0
    package var deliveryMode: UInt8? = nil
    package var priority: UInt8? = nil
    /// Where the `expiration` and `reply-to` values are (their bytes, without the length octet),
    /// relative to the start of the scanned bytes (the flags word).
    package var expiration: Range<Int>? = nil
    package var replyTo: Range<Int>? = nil
    /// Whether decoding and re-encoding would reproduce the scanned bytes exactly.
    package var canonical = true

    package init() {}
}

extension BasicProperties {
    /// Scans the flags word and the property list at `r` (the part of a content header after
    /// the body size), leaving `r` after them; throws what `decode(_:)` would throw.
    package static func scan(_ r: inout WireReader) throws(AMQPDecodeError) -> PropertySummary {
        let start = r.position
        var s = PropertySummary()
        let f = try r.u16()
        if f & 1 != 0 { throw .badPropertyFlags(f) }
        s.flags = f
        if f & 2 != 0 { s.canonical = false }  // no property has bit 1: encode clears it
        if f & Flag.contentType != 0 { _ = try r.shortStringRange() }
        if f & Flag.contentEncoding != 0 { _ = try r.shortStringRange() }
        if f & Flag.headers != 0 { try r.skipTable(&s.canonical) }
        if f & Flag.deliveryMode != 0 { s.deliveryMode = try r.u8() }
        if f & Flag.priority != 0 { s.priority = try r.u8() }
        if f & Flag.correlationID != 0 { _ = try r.shortStringRange() }
        if f & Flag.replyTo != 0 { s.replyTo = try r.shortStringRange().offset(by: -start) }
        if f & Flag.expiration != 0 { s.expiration = try r.shortStringRange().offset(by: -start) }
        if f & Flag.messageID != 0 { _ = try r.shortStringRange() }
        if f & Flag.timestamp != 0 { _ = try r.u64() }
        if f & Flag.type != 0 { _ = try r.shortStringRange() }
        if f & Flag.userID != 0 { _ = try r.shortStringRange() }
        if f & Flag.appID != 0 { _ = try r.shortStringRange() }
        if f & Flag.clusterID != 0 { _ = try r.shortStringRange() }
        return s
    }
}

extension Range where Bound == Int {
    fileprivate func offset(by d: Int) -> Range<Int> { (lowerBound + d)..<(upperBound + d) }
}

extension WireReader {
    /// Skips a shortstr, returning where its bytes are.
    @inlinable mutating func shortStringRange() throws(AMQPDecodeError) -> Range<Int> {
        let n = Int(try u8())
        let p = try take(n)
        return p..<(p + n)
    }

    /// Skips a table as `table()` reads it (length, then the entries one level deeper).
    mutating func skipTable(_ canonical: inout Bool) throws(AMQPDecodeError) {
        let n = Int(try u32())
        var inner = WireReader(try view(n))
        inner.nesting = nesting + 1
        if inner.nesting > WireReader.maxNesting { throw .nestingTooDeep }
        while inner.remaining > 0 {
            _ = try inner.shortStringRange()
            let tag = try inner.u8()
            try inner.skipValue(tag: tag, &canonical)
        }
    }

    /// Skips one field value as `FieldValue.decode(tag:_:)` reads it.
    mutating func skipValue(tag: UInt8, _ canonical: inout Bool) throws(AMQPDecodeError) {
        switch tag {
        case UInt8(ascii: "t"):
            let b = try u8()
            if b > 1 { canonical = false }
        case UInt8(ascii: "b"), UInt8(ascii: "B"): _ = try take(1)
        case UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "U"): _ = try take(2)
        case UInt8(ascii: "I"), UInt8(ascii: "i"), UInt8(ascii: "f"): _ = try take(4)
        case UInt8(ascii: "l"), UInt8(ascii: "L"), UInt8(ascii: "d"), UInt8(ascii: "T"): _ = try take(8)
        case UInt8(ascii: "D"):
            _ = try take(1)
            _ = try take(4)
        case UInt8(ascii: "S"), UInt8(ascii: "x"): _ = try take(Int(try u32()))
        case UInt8(ascii: "A"):
            let n = Int(try u32())
            var inner = WireReader(try view(n))
            inner.nesting = nesting + 1
            if inner.nesting > WireReader.maxNesting { throw .nestingTooDeep }
            while inner.remaining > 0 {
                let t = try inner.u8()
                try inner.skipValue(tag: t, &canonical)
            }
        case UInt8(ascii: "F"): try skipTable(&canonical)
        case UInt8(ascii: "V"): break
        default: throw .unknownFieldType(tag)
        }
    }
}
