// A decoded RESP reply (RESP2 and RESP3 types), as RESPReplyParser returns it. Test-only: the
// server writes replies as bytes and never builds a value tree.
import LatchkeyCore

/// One RESP2/RESP3 reply value.
public indirect enum RESPValue: Equatable, Sendable {
    case simpleString(Bytes)
    case error(Bytes)
    case integer(Int64)
    case bulkString(Bytes)
    /// `$-1` (RESP2) or `_` (RESP3).
    case null
    /// `*-1` (RESP2 null array).
    case nullArray
    case array([RESPValue])
    /// RESP3 `%`: pairs in wire order.
    case map([RESPPair])
    /// RESP3 `~`.
    case set([RESPValue])
    /// RESP3 `>`.
    case push([RESPValue])
    /// RESP3 `,`.
    case double(Double)
    /// RESP3 `#`.
    case boolean(Bool)
    /// RESP3 `=`: three-byte format and the text after `xxx:`.
    case verbatim(format: Bytes, text: Bytes)
    /// RESP3 `(`.
    case bigNumber(Bytes)
}

/// A key/value pair of a RESP3 map.
public struct RESPPair: Equatable, Sendable {
    public var key: RESPValue
    public var value: RESPValue
    public init(_ key: RESPValue, _ value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// Convenience for tests: a bulk string from a Swift string.
    public static func bulk(_ s: String) -> RESPValue { .bulkString(Bytes(s.utf8)) }
    /// Convenience for tests: a status reply from a Swift string.
    public static func status(_ s: String) -> RESPValue { .simpleString(Bytes(s.utf8)) }
    /// Convenience for tests: an error reply from a Swift string (including its code).
    public static func err(_ s: String) -> RESPValue { .error(Bytes(s.utf8)) }
    public static let ok = RESPValue.simpleString(Bytes("OK".utf8))

    /// A readable rendering for test failure messages.
    public var debugText: String {
        switch self {
        case .simpleString(let b): return "+" + b.string
        case .error(let b): return "-" + b.string
        case .integer(let i): return ":\(i)"
        case .bulkString(let b): return "\"" + b.string + "\""
        case .null: return "(nil)"
        case .nullArray: return "(nil array)"
        case .array(let a): return "[" + a.map(\.debugText).joined(separator: ", ") + "]"
        case .set(let a): return "~[" + a.map(\.debugText).joined(separator: ", ") + "]"
        case .push(let a): return ">[" + a.map(\.debugText).joined(separator: ", ") + "]"
        case .map(let m):
            return "{" + m.map { $0.key.debugText + ": " + $0.value.debugText }.joined(separator: ", ") + "}"
        case .double(let d): return ",\(d)"
        case .boolean(let b): return b ? "#t" : "#f"
        case .verbatim(let f, let t): return "=" + f.string + ":" + t.string
        case .bigNumber(let b): return "(" + b.string
        }
    }
}
