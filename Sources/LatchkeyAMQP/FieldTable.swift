// AMQP field tables and arrays with RabbitMQ's type letters (protocol-surface §B6). Values keep
// the tag they arrived with, so message headers re-encode byte for byte; entries keep their order
// (and duplicates). What a key means (x-arguments, capabilities) is left to the sessions/broker.
import LatchkeyCore

/// One field value, tagged as on the wire.
package indirect enum FieldValue: Equatable, Sendable {
    case bool(Bool)  // t
    case int8(Int8)  // b
    case uint8(UInt8)  // B
    case int16(Int16)  // s (RabbitMQ's signed 16)
    case uint16(UInt16)  // u
    case int16Spec(Int16)  // U (the 0-9-1 text's letter; decoded, never produced by us)
    case int32(Int32)  // I
    case uint32(UInt32)  // i
    case int64(Int64)  // l
    case int64L(Int64)  // L (py-amqp's letter for big ints; decoded as signed)
    /// Raw IEEE-754 bits so NaN payloads round-trip.
    case float(bits: UInt32)  // f
    case double(bits: UInt64)  // d
    case decimal(scale: UInt8, value: UInt32)  // D
    case longString(Bytes)  // S
    case byteArray(Bytes)  // x
    case array([FieldValue])  // A
    case timestamp(UInt64)  // T
    case table(FieldTable)  // F
    case void  // V

    /// The wire type letter.
    package var tag: UInt8 {
        switch self {
        case .bool: return UInt8(ascii: "t")
        case .int8: return UInt8(ascii: "b")
        case .uint8: return UInt8(ascii: "B")
        case .int16: return UInt8(ascii: "s")
        case .uint16: return UInt8(ascii: "u")
        case .int16Spec: return UInt8(ascii: "U")
        case .int32: return UInt8(ascii: "I")
        case .uint32: return UInt8(ascii: "i")
        case .int64: return UInt8(ascii: "l")
        case .int64L: return UInt8(ascii: "L")
        case .float: return UInt8(ascii: "f")
        case .double: return UInt8(ascii: "d")
        case .decimal: return UInt8(ascii: "D")
        case .longString: return UInt8(ascii: "S")
        case .byteArray: return UInt8(ascii: "x")
        case .array: return UInt8(ascii: "A")
        case .timestamp: return UInt8(ascii: "T")
        case .table: return UInt8(ascii: "F")
        case .void: return UInt8(ascii: "V")
        }
    }

    /// The value as an integer whatever its integer tag (RabbitMQ compares x-args by value).
    package var integerValue: Int64? {
        switch self {
        case .int8(let v): return Int64(v)
        case .uint8(let v): return Int64(v)
        case .int16(let v), .int16Spec(let v): return Int64(v)
        case .uint16(let v): return Int64(v)
        case .int32(let v): return Int64(v)
        case .uint32(let v): return Int64(v)
        case .int64(let v), .int64L(let v): return v
        default: return nil
        }
    }

    /// The recommended encoding for a server-built integer: `I` when it fits 32 bits, else `l`.
    package static func integer(_ v: Int64) -> FieldValue {
        if let i = Int32(exactly: v) { return .int32(i) }
        return .int64(v)
    }

    /// A server-built string value (`S`).
    package static func string(_ s: String) -> FieldValue { .longString(Bytes(s.utf8)) }

    package static func decode(tag: UInt8, _ r: inout WireReader) throws(AMQPDecodeError) -> FieldValue {
        switch tag {
        case UInt8(ascii: "t"): return .bool(try r.u8() != 0)
        case UInt8(ascii: "b"): return .int8(Int8(bitPattern: try r.u8()))
        case UInt8(ascii: "B"): return .uint8(try r.u8())
        case UInt8(ascii: "s"): return .int16(Int16(bitPattern: try r.u16()))
        case UInt8(ascii: "u"): return .uint16(try r.u16())
        case UInt8(ascii: "U"): return .int16Spec(Int16(bitPattern: try r.u16()))
        case UInt8(ascii: "I"): return .int32(Int32(bitPattern: try r.u32()))
        case UInt8(ascii: "i"): return .uint32(try r.u32())
        case UInt8(ascii: "l"): return .int64(Int64(bitPattern: try r.u64()))
        case UInt8(ascii: "L"): return .int64L(Int64(bitPattern: try r.u64()))
        case UInt8(ascii: "f"): return .float(bits: try r.u32())
        case UInt8(ascii: "d"): return .double(bits: try r.u64())
        case UInt8(ascii: "D"):
            let scale = try r.u8()
            return .decimal(scale: scale, value: try r.u32())
        case UInt8(ascii: "S"): return .longString(try r.longString())
        case UInt8(ascii: "x"): return .byteArray(try r.longString())
        case UInt8(ascii: "A"):
            let n = Int(try r.u32())
            var inner = WireReader(try r.view(n))
            inner.nesting = r.nesting + 1
            if inner.nesting > WireReader.maxNesting { throw .nestingTooDeep }
            var items: [FieldValue] = []
            while inner.remaining > 0 {
                let t = try inner.u8()
                items.append(try decode(tag: t, &inner))
            }
            return .array(items)
        case UInt8(ascii: "T"): return .timestamp(try r.u64())
        case UInt8(ascii: "F"): return .table(try r.table())
        case UInt8(ascii: "V"): return .void
        default: throw .unknownFieldType(tag)
        }
    }

    package func encode(into out: inout Bytes) {
        out.append(tag)
        switch self {
        case .bool(let v): out.append(v ? 1 : 0)
        case .int8(let v): out.append(UInt8(bitPattern: v))
        case .uint8(let v): out.append(v)
        case .int16(let v), .int16Spec(let v): out.appendU16(UInt16(bitPattern: v))
        case .uint16(let v): out.appendU16(v)
        case .int32(let v): out.appendU32(UInt32(bitPattern: v))
        case .uint32(let v): out.appendU32(v)
        case .int64(let v), .int64L(let v): out.appendU64(UInt64(bitPattern: v))
        case .float(let bits): out.appendU32(bits)
        case .double(let bits): out.appendU64(bits)
        case .decimal(let scale, let value):
            out.append(scale)
            out.appendU32(value)
        case .longString(let b), .byteArray(let b): out.appendLongString(b)
        case .array(let items):
            let at = out.count
            out.appendU32(0)
            for item in items { item.encode(into: &out) }
            out.patchU32(UInt32(truncatingIfNeeded: out.count - at - 4), at: at)
        case .timestamp(let v): out.appendU64(v)
        case .table(let t): t.encode(into: &out)
        case .void: break
        }
    }
}

/// One (key, value) pair of a table.
package struct FieldEntry: Equatable, Sendable {
    package var key: Bytes
    package var value: FieldValue
    package init(_ key: Bytes, _ value: FieldValue) {
        self.key = key
        self.value = value
    }
}

/// An ordered field table. Lookups are linear: tables are small (arguments, headers).
package struct FieldTable: Equatable, Sendable {
    package var entries: [FieldEntry]

    package init(_ entries: [FieldEntry] = []) { self.entries = entries }

    package var isEmpty: Bool { entries.isEmpty }

    /// The first value stored under `key`.
    package subscript(key: String) -> FieldValue? {
        let k = Bytes(key.utf8)
        return entries.first { $0.key == k }?.value
    }

    /// The first value stored under `key` (bytes).
    package func value(forKey key: Bytes) -> FieldValue? { entries.first { $0.key == key }?.value }

    /// Appends an entry (no de-duplication; the wire allows repeats and we keep them).
    package mutating func append(_ key: String, _ value: FieldValue) {
        entries.append(FieldEntry(Bytes(key.utf8), value))
    }

    /// Decodes the entries of a table whose u32 length prefix was already read (AMQPLAIN
    /// responses arrive in exactly this shape).
    package static func decodeEntries(
        _ payload: UnsafeRawBufferPointer, nesting: Int = 0
    ) throws(AMQPDecodeError) -> FieldTable {
        if nesting > WireReader.maxNesting { throw .nestingTooDeep }
        var r = WireReader(payload)
        r.nesting = nesting
        var entries: [FieldEntry] = []
        while r.remaining > 0 {
            let key = try r.shortString()
            let tag = try r.u8()
            entries.append(FieldEntry(key, try FieldValue.decode(tag: tag, &r)))
        }
        return FieldTable(entries)
    }

    /// Decodes the entries of a table from bytes without the length prefix.
    package static func decodeEntries(_ payload: Bytes) throws(AMQPDecodeError) -> FieldTable {
        var result: Result<FieldTable, AMQPDecodeError> = .failure(.truncated)
        payload.withUnsafeBytes { p in
            do throws(AMQPDecodeError) { result = .success(try decodeEntries(p)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// Appends the table with its u32 length prefix.
    package func encode(into out: inout Bytes) {
        let at = out.count
        out.appendU32(0)
        encodeEntries(into: &out)
        out.patchU32(UInt32(truncatingIfNeeded: out.count - at - 4), at: at)
    }

    /// Appends the entries only (no length prefix).
    package func encodeEntries(into out: inout Bytes) {
        for e in entries {
            out.appendShortString(e.key)
            e.value.encode(into: &out)
        }
    }
}
