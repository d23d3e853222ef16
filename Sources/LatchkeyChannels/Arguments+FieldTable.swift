// Field tables as the broker sees them: wire FieldValues → typed ArgumentValue/Arguments (keeping
// RabbitMQ's type names for error texts, and the encoded table for the journal), and a stored
// message's properties decoded. The broker never sees a FieldTable itself.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

extension ArgumentValue {
    /// The broker's view of a field value, keeping RabbitMQ's type names for error texts.
    init(_ v: FieldValue) {
        switch v {
        case .bool(let b): self = .bool(b)
        case .int8(let i): self = .integer(Int64(i), typeName: "byte")
        case .uint8(let i): self = .integer(Int64(i), typeName: "unsignedbyte")
        case .int16(let i), .int16Spec(let i): self = .integer(Int64(i), typeName: "short")
        case .uint16(let i): self = .integer(Int64(i), typeName: "unsignedshort")
        case .int32(let i): self = .integer(Int64(i), typeName: "signedint")
        case .uint32(let i): self = .integer(Int64(i), typeName: "unsignedint")
        case .int64(let i), .int64L(let i): self = .integer(i, typeName: "long")
        case .float(let bits): self = .float(Double(Float(bitPattern: bits)), typeName: "float")
        case .double(let bits): self = .float(Double(bitPattern: bits), typeName: "double")
        case .longString(let s): self = .string(s)
        case .void: self = .void
        case .decimal, .byteArray, .array, .timestamp, .table:
            var raw = Bytes()
            v.encode(into: &raw)
            let name: String
            switch v {
            case .decimal: name = "decimal"
            case .byteArray: name = "binary"
            case .array: name = "array"
            case .timestamp: name = "timestamp"
            default: name = "table"
            }
            self = .other(typeName: name, raw: raw)
        }
    }
}

extension Arguments {
    /// Typed arguments from a decoded table; `encoded` keeps the table's bytes for the journal.
    init(_ table: FieldTable) {
        if table.isEmpty {
            self = .empty
            return
        }
        var encoded = Bytes()
        table.encodeEntries(into: &encoded)
        self.init(table.entries.map { Argument($0.key, ArgumentValue($0.value)) }, encoded: encoded)
    }

    /// Decodes a journaled arguments blob (entries without the length prefix).
    static func fromEncoded(_ blob: Bytes) -> Arguments {
        guard !blob.isEmpty, let t = try? FieldTable.decodeEntries(blob) else { return .empty }
        return Arguments(t)
    }
}

extension Message {
    /// Decodes the stored properties (flags word + list).
    var basicProperties: BasicProperties? {
        withContent { raw -> BasicProperties? in
            var r = WireReader(UnsafeRawBufferPointer(rebasing: raw[0..<propertiesCount]))
            return try? BasicProperties.decode(&r)
        }
    }
}
