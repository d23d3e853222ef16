// Conversions between AMQP field tables / basic properties and the management API's JSON, the
// way RabbitMQ's rabbit_mgmt_format renders them: integers as numbers, strings as strings,
// tables as objects, arrays as arrays, timestamps as seconds; JSON numbers become `I`/`l`
// integers or doubles, objects become tables, null becomes void.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

enum FieldTableJSON {
    /// A byte string as JSON text (invalid UTF-8 is replaced, as the UI shows it).
    static func text(_ b: Bytes) -> JSON { .string(String(decoding: b, as: UTF8.self)) }

    static func json(_ v: FieldValue) -> JSON {
        switch v {
        case .bool(let b): return .bool(b)
        case .int8(let n): return .int(Int64(n))
        case .uint8(let n): return .int(Int64(n))
        case .int16(let n), .int16Spec(let n): return .int(Int64(n))
        case .uint16(let n): return .int(Int64(n))
        case .int32(let n): return .int(Int64(n))
        case .uint32(let n): return .int(Int64(n))
        case .int64(let n), .int64L(let n): return .int(n)
        case .float(let bits): return .double(Double(Float(bitPattern: bits)))
        case .double(let bits): return .double(Double(bitPattern: bits))
        case .decimal(let scale, let value):
            var d = Double(value)
            for _ in 0..<scale { d /= 10 }
            return .double(d)
        case .longString(let b), .byteArray(let b): return text(b)
        case .array(let items): return .array(items.map(json))
        case .timestamp(let t): return .int(Int64(clamping: t))
        case .table(let t): return json(t)
        case .void: return .null
        }
    }

    static func json(_ t: FieldTable) -> JSON {
        .object(t.entries.map { (String(decoding: $0.key, as: UTF8.self), json($0.value)) })
    }

    /// A broker `Arguments` as JSON (from the encoded table it keeps).
    static func json(_ a: Arguments) -> JSON {
        if a.isEmpty { return .object([]) }
        guard let t = try? FieldTable.decodeEntries(a.encoded) else { return .object([]) }
        return json(t)
    }

    static func fieldValue(_ v: JSON) -> FieldValue {
        switch v {
        case .null: return .void
        case .bool(let b): return .bool(b)
        case .int(let n): return .integer(n)
        case .double(let d): return .double(bits: d.bitPattern)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map(fieldValue))
        case .object: return .table(table(v))
        }
    }

    static func table(_ v: JSON) -> FieldTable {
        FieldTable((v.objectValue ?? []).map { FieldEntry(Bytes($0.0.utf8), fieldValue($0.1)) })
    }

    /// Declare/bind arguments from a JSON object (nil or non-object: none).
    static func arguments(_ v: JSON?) -> Arguments {
        guard let v, case .object(let m) = v, !m.isEmpty else { return .empty }
        return AMQPFrontEnd.arguments(from: table(v))
    }

    /// Basic properties as RabbitMQ's get answer shows them: only the ones set, and `[]` (not
    /// `{}`) when none are, which is what RabbitMQ's Erlang-to-JSON step produces.
    static func json(_ p: BasicProperties) -> JSON {
        var m: [(String, JSON)] = []
        func s(_ name: String, _ b: Bytes?) { if let b { m.append((name, text(b))) } }
        s("content_type", p.contentType)
        s("content_encoding", p.contentEncoding)
        if let h = p.headers { m.append(("headers", json(h))) }
        if let d = p.deliveryMode { m.append(("delivery_mode", .int(Int64(d)))) }
        if let pr = p.priority { m.append(("priority", .int(Int64(pr)))) }
        s("correlation_id", p.correlationID)
        s("reply_to", p.replyTo)
        s("expiration", p.expiration)
        s("message_id", p.messageID)
        if let t = p.timestamp { m.append(("timestamp", .int(Int64(clamping: t)))) }
        s("type", p.type)
        s("user_id", p.userID)
        s("app_id", p.appID)
        s("cluster_id", p.clusterID)
        return m.isEmpty ? .array([]) : .object(m)
    }

    /// Basic properties from the publish endpoint's `properties` object. Nil for a value of the
    /// wrong type (the endpoint answers 400).
    static func properties(_ v: JSON?) -> BasicProperties? {
        var p = BasicProperties()
        guard let v else { return p }
        if case .array(let a) = v, a.isEmpty { return p }
        guard case .object(let members) = v else { return nil }
        for (key, value) in members {
            func bytes() -> Bytes? { value.stringValue.map { Bytes($0.utf8) } }
            switch key {
            case "content_type": p.contentType = bytes()
            case "content_encoding": p.contentEncoding = bytes()
            case "headers":
                guard case .object = value else { return nil }
                p.headers = table(value)
            case "delivery_mode":
                guard let n = value.intValue, let d = UInt8(exactly: n) else { return nil }
                p.deliveryMode = d
            case "priority":
                guard let n = value.intValue, let d = UInt8(exactly: n) else { return nil }
                p.priority = d
            case "correlation_id": p.correlationID = bytes()
            case "reply_to": p.replyTo = bytes()
            case "expiration": p.expiration = bytes() ?? value.intValue.map { Bytes(String($0).utf8) }
            case "message_id": p.messageID = bytes()
            case "timestamp":
                guard let n = value.intValue, let t = UInt64(exactly: n) else { return nil }
                p.timestamp = t
            case "type": p.type = bytes()
            case "user_id": p.userID = bytes()
            case "app_id": p.appID = bytes()
            case "cluster_id": p.clusterID = bytes()
            default: continue  // RabbitMQ ignores unknown property names too
            }
        }
        return p
    }
}
