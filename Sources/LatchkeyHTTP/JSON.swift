// JSON values, a strict RFC 8259 parser (depth-limited, so a hostile body cannot exhaust the
// stack) and a compact writer. Objects keep their key order, because the management API's
// answers are compared field by field with RabbitMQ's and read by people.
import LatchkeyCore

/// A JSON value. Integers that fit Int64 stay exact; other numbers are Doubles.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member `key` of an object (nil otherwise).
    public subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: [(String, JSON)]? { if case .object(let o) = self { return o } else { return nil } }
    /// Integers, and doubles with an exact Int64 value (RabbitMQ tools send both).
    public var intValue: Int64? {
        switch self {
        case .int(let n): return n
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
        default: return nil
        }
    }

    // MARK: writing

    /// The compact encoding.
    public var encoded: Bytes {
        var out = Bytes()
        write(into: &out)
        return out
    }

    /// Appends the compact encoding to `out`.
    public func write(into out: inout Bytes) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .double(let d):
            if d.isFinite {
                // Integral doubles keep their ".0" (RabbitMQ writes rates as 0.0), so a double
                // stays a double through a round trip.
                out.append(contentsOf: (d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) + ".0" : String(d)).utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                item.write(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSON.writeString(key, into: &out)
                out.append(0x3A)
                value.write(into: &out)
            }
            out.append(0x7D)
        }
    }

    static let hex = Array("0123456789abcdef".utf8)

    /// A quoted, escaped string (control characters as \u00XX; `<` too, so JSON is safe in HTML).
    public static func writeString(_ s: String, into out: inout Bytes) {
        out.append(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20, 0x3C, 0x7F:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
        out.append(0x22)
    }

    // MARK: parsing

    /// Deepest nesting the parser accepts.
    public static let maxDepth = 64

    /// Parses a whole document; nil when it is not valid JSON (or nests deeper than `maxDepth`).
    public static func parse(_ bytes: Bytes) -> JSON? {
        var p = JSONParser(bytes: bytes)
        guard let v = p.value(depth: 0) else { return nil }
        p.skipSpace()
        return p.i == bytes.count ? v : nil
    }
}

struct JSONParser {
    let bytes: Bytes
    var i = 0

    init(bytes: Bytes) { self.bytes = bytes }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func literal(_ word: String, _ v: JSON) -> JSON? {
        let w = Array(word.utf8)
        guard bytes.count - i >= w.count, Array(bytes[i..<(i + w.count)]) == w else { return nil }
        i += w.count
        return v
    }

    mutating func value(depth: Int) -> JSON? {
        if depth > JSON.maxDepth { return nil }
        skipSpace()
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case 0x6E: return literal("null", .null)
        case 0x74: return literal("true", .bool(true))
        case 0x66: return literal("false", .bool(false))
        case 0x22: return string().map { .string($0) }
        case 0x5B:
            i += 1
            var items: [JSON] = []
            skipSpace()
            if i < bytes.count, bytes[i] == 0x5D {
                i += 1
                return .array(items)
            }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                guard let closed = commaOrClose(0x5D) else { return nil }
                if closed { return .array(items) }
            }
        case 0x7B:
            i += 1
            var members: [(String, JSON)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == 0x7D {
                i += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == 0x22, let key = string() else { return nil }
                skipSpace()
                guard i < bytes.count, bytes[i] == 0x3A else { return nil }
                i += 1
                guard let v = value(depth: depth + 1) else { return nil }
                members.append((key, v))
                guard let closed = commaOrClose(0x7D) else { return nil }
                if closed { return .object(members) }
            }
        default: return number()
        }
    }

    /// After an array item or object member: consumes `,` (false) or `close` (true); nil for
    /// anything else.
    mutating func commaOrClose(_ close: UInt8) -> Bool? {
        skipSpace()
        guard i < bytes.count, bytes[i] == 0x2C || bytes[i] == close else { return nil }
        i += 1
        return bytes[i - 1] == close
    }

    mutating func number() -> JSON? {
        let start = i
        if i < bytes.count, bytes[i] == 0x2D { i += 1 }
        let intStart = i
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
        if i == intStart || (bytes[intStart] == 0x30 && i - intStart > 1) { return nil }
        var isInt = true
        if i < bytes.count, bytes[i] == 0x2E {
            isInt = false
            i += 1
            let f = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            if i == f { return nil }
        }
        if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
            isInt = false
            i += 1
            if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            let e = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            if i == e { return nil }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInt, let n = Int64(text) { return .int(n) }
        return Double(text).map { .double($0) }
    }

    mutating func hex4() -> UInt32? {
        guard bytes.count - i >= 4 else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A string starting at the opening quote.
    mutating func string() -> String? {
        i += 1
        var out = Bytes()
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 {
                i += 1
                return String(validating: out, as: UTF8.self)
            }
            if c < 0x20 { return nil }
            if c != 0x5C {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { return nil }
            let e = bytes[i]
            i += 1
            if let b = JSONEscapes.simple(e) {
                out.append(b)
                continue
            }
            guard e == 0x75, var u = hex4() else { return nil }
            if JSONEscapes.isHighSurrogate(u) {
                guard bytes.count - i >= 6, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { return nil }
                i += 2
                guard let low = hex4(), JSONEscapes.isLowSurrogate(low) else { return nil }
                u = JSONEscapes.combine(high: u, low: low)
            } else if JSONEscapes.isLowSurrogate(u) {
                return nil
            }
            JSONEscapes.appendUTF8(u, to: &out)
        }
        return nil
    }
}
