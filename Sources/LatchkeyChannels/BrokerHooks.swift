// The glue the frame-free broker needs from the AMQP side: field tables ⇄ typed `Arguments`,
// message property decoding for the headers exchange, x-death rewriting for dead-lettering,
// and the adapter from `BrokerJournal` events to LatchkeyLog `LogRecord`s (durable things only;
// the broker decides what is durable).
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

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

/// Installed on the broker by the AMQP front end: journal adapter and property codec in one.
package final class BrokerHooks: BrokerJournal, MessagePropertyCodec {
    let journal: Journal

    package init(journal: Journal) { self.journal = journal }

    /// Installs the hooks on `broker` (the broker keeps them alive).
    package static func install(on broker: Broker, journal: Journal) {
        let h = BrokerHooks(journal: journal)
        broker.journal = h
        broker.propertyCodec = h
    }

    // MARK: MessagePropertyCodec

    package func headers(of message: Message) -> Arguments {
        guard let h = message.basicProperties?.headers else { return .empty }
        return Arguments(h)
    }

    package func deadLettered(_ message: Message, death: DeathEvent) -> (content: Bytes, propertiesCount: Int) {
        guard var p = message.basicProperties else { return (message.content, message.propertiesCount) }
        XDeath.add(death, to: &p)
        var content = Bytes()
        content.reserveCapacity(message.contentCount + 128)
        p.encode(into: &content)
        let n = content.count
        content.append(contentsOf: message.body)
        return (content, n)
    }

    // MARK: BrokerJournal

    package func queueDeclared(_ q: Queue) {
        journal.append(.queueDeclared(vhost: q.vhost.name, name: q.name, autoDelete: q.autoDelete, arguments: q.arguments.encoded))
    }
    package func queueDeleted(_ q: Queue) { journal.append(.queueDeleted(vhost: q.vhost.name, name: q.name)) }
    package func queuePurged(_ q: Queue) { journal.append(.queuePurged(vhost: q.vhost.name, name: q.name)) }
    package func exchangeDeclared(_ e: Exchange) {
        journal.append(
            .exchangeDeclared(
                vhost: e.vhost.name, name: e.name, type: Bytes(e.kind.rawValue.utf8), autoDelete: e.autoDelete,
                internal: e.internal, arguments: e.arguments.encoded))
    }
    package func exchangeDeleted(_ e: Exchange) { journal.append(.exchangeDeleted(vhost: e.vhost.name, name: e.name)) }
    package func bound(_ b: Binding) { journal.append(BrokerHooks.record(b, bind: true)) }
    package func unbound(_ b: Binding) { journal.append(BrokerHooks.record(b, bind: false)) }
    package func messageEnqueued(_ m: Message, queue q: Queue) {
        journal.append(
            .messageEnqueued(
                vhost: q.vhost.name, queue: q.name, id: m.id, exchange: m.exchange, routingKey: m.routingKey,
                content: m.content))
    }
    package func messageSettled(_ m: Message, queue q: Queue) {
        journal.append(.messageSettled(vhost: q.vhost.name, queue: q.name, id: m.id))
    }

    static func record(_ b: Binding, bind: Bool) -> LogRecord {
        var toExchange = false
        if case .exchange = b.destination { toExchange = true }
        let v = b.source.vhost.name
        return bind
            ? .bound(
                vhost: v, exchange: b.source.name, destination: b.destination.name, toExchange: toExchange,
                routingKey: b.routingKey, arguments: b.arguments.encoded)
            : .unbound(
                vhost: v, exchange: b.source.name, destination: b.destination.name, toExchange: toExchange,
                routingKey: b.routingKey, arguments: b.arguments.encoded)
    }
}

/// RabbitMQ's x-death header: an array of tables, newest first, one per (queue, reason) with
/// a count; plus x-first-death-* headers; the expiration property moves into the entry.
enum XDeath {
    static func add(_ d: DeathEvent, to p: inout BasicProperties) {
        var headers = p.headers ?? FieldTable()
        var deaths: [FieldValue] = []
        if case .array(let a)? = headers["x-death"] { deaths = a }
        let reason = FieldValue.longString(Bytes(d.reason.rawValue.utf8))
        let queue = FieldValue.longString(d.queue)
        var count: Int64 = 1
        if let i = deaths.firstIndex(where: { v in
            guard case .table(let t) = v else { return false }
            return t["queue"] == queue && t["reason"] == reason
        }) {
            if case .table(let t) = deaths[i], let c = t["count"]?.integerValue { count = c + 1 }
            deaths.remove(at: i)
        }
        var entry = FieldTable()
        entry.append("count", .int64(count))
        entry.append("reason", reason)
        entry.append("queue", queue)
        entry.append("time", .timestamp(UInt64(max(0, d.timeMs / 1000))))
        entry.append("exchange", .longString(d.exchange))
        entry.append("routing-keys", .array(d.routingKeys.map { .longString($0) }))
        if let exp = p.expiration {
            entry.append("original-expiration", .longString(exp))
            p.expiration = nil
        }
        deaths.insert(.table(entry), at: 0)
        headers.entries.removeAll { $0.key == Bytes("x-death".utf8) }
        headers.append("x-death", .array(deaths))
        if headers["x-first-death-reason"] == nil {
            headers.append("x-first-death-reason", reason)
            headers.append("x-first-death-queue", queue)
            headers.append("x-first-death-exchange", .longString(d.exchange))
        }
        p.headers = headers
    }
}
