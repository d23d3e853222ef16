// Typed declare/bind arguments and message headers, as the broker sees them: the channel layer
// decodes AMQP field tables into `Arguments` (keeping RabbitMQ's type names for error texts)
// and keeps the encoded table in `encoded`, which the broker stores but never reads (it goes
// back out through the journal and log rewrite).
import LatchkeyCore

/// One decoded field-table value. Integers of every width collapse into `.integer`, keeping
/// RabbitMQ's type name ("signedint", "long", "short", ...) for inequivalence texts.
public enum ArgumentValue: Sendable {
    case integer(Int64, typeName: String)
    case bool(Bool)
    /// longstr (or shortstr): "longstr".
    case string(Bytes)
    case float(Double, typeName: String)
    /// A void value (headers bindings: match on key presence).
    case void
    /// Anything else (table, array, timestamp, decimal, binary): compared by its encoded bytes.
    case other(typeName: String, raw: Bytes)

    /// RabbitMQ's type name, as printed in `{unacceptable_type,longstr}`.
    public var typeName: String {
        switch self {
        case .integer(_, let t), .float(_, let t), .other(let t, _): t
        case .bool: "bool"
        case .string: "longstr"
        case .void: "void"
        }
    }

    /// Value equality as RabbitMQ's equivalence and headers matching use it: integers compare by
    /// value whatever their width.
    public func sameValue(_ other: ArgumentValue) -> Bool {
        switch (self, other) {
        case (.integer(let a, _), .integer(let b, _)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.float(let a, _), .float(let b, _)): a == b
        case (.void, .void): true
        case (.other(let ta, let a), .other(let tb, let b)): ta == tb && a == b
        default: false
        }
    }

    /// As RabbitMQ prints a value in "received the value '10' of type 'signedint'".
    var display: String {
        switch self {
        case .integer(let v, _): String(v)
        case .bool(let b): b ? "true" : "false"
        case .string(let s): s.string
        case .float(let d, _): String(d)
        case .void: "undefined"
        case .other: "..."
        }
    }
}

/// One named argument.
public struct Argument: Sendable {
    /// The field name.
    public var key: Bytes
    /// The decoded value.
    public var value: ArgumentValue
    public init(_ key: Bytes, _ value: ArgumentValue) {
        self.key = key
        self.value = value
    }
}

/// An argument table (queue.declare, exchange.declare, bind, consume, or message headers).
public struct Arguments: Sendable {
    /// The fields in wire order.
    public var entries: [Argument]
    /// The encoded field table (without its u32 length), opaque to the broker; journaled as-is.
    public var encoded: Bytes

    public init(_ entries: [Argument] = [], encoded: Bytes = []) {
        self.entries = entries
        self.encoded = encoded
    }

    /// No arguments.
    public static let empty = Arguments()

    /// Whether there are no fields.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value stored under `key` (ASCII literal), if any.
    public subscript(key: String) -> ArgumentValue? {
        let k = Array(key.utf8)
        for e in entries where e.key == k { return e.value }
        return nil
    }

    /// The value stored under `key` (bytes), if any.
    public subscript(bytes key: Bytes) -> ArgumentValue? {
        for e in entries where e.key == key { return e.value }
        return nil
    }

    /// Same keys with the same values (any order); used to find a binding to remove.
    public func sameEntries(_ other: Arguments) -> Bool {
        guard entries.count == other.entries.count else { return false }
        for e in entries { guard let v = other[bytes: e.key], v.sameValue(e.value) else { return false } }
        return true
    }
}
