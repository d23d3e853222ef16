// The 14 basic-class content properties and the content header frame payload that carries them
// (class-id, weight, body size, property flags, property list). Bit 15 of the flags is the first
// property. Which properties the broker acts on (delivery-mode, expiration, ...) is its concern.
import LatchkeyCore

/// Basic content properties; nil means "flag clear, not on the wire".
package struct BasicProperties: Equatable, Sendable {
    package var contentType: Bytes?
    package var contentEncoding: Bytes?
    package var headers: FieldTable?
    package var deliveryMode: UInt8?
    package var priority: UInt8?
    package var correlationID: Bytes?
    package var replyTo: Bytes?
    package var expiration: Bytes?
    package var messageID: Bytes?
    package var timestamp: UInt64?
    package var type: Bytes?
    package var userID: Bytes?
    package var appID: Bytes?
    package var clusterID: Bytes?

    package init(
        contentType: Bytes? = nil, contentEncoding: Bytes? = nil, headers: FieldTable? = nil,
        deliveryMode: UInt8? = nil, priority: UInt8? = nil, correlationID: Bytes? = nil, replyTo: Bytes? = nil,
        expiration: Bytes? = nil, messageID: Bytes? = nil, timestamp: UInt64? = nil, type: Bytes? = nil,
        userID: Bytes? = nil, appID: Bytes? = nil, clusterID: Bytes? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
        self.clusterID = clusterID
    }

    /// Property flag bits, first property = bit 15.
    package enum Flag {
        package static let contentType: UInt16 = 1 << 15
        package static let contentEncoding: UInt16 = 1 << 14
        package static let headers: UInt16 = 1 << 13
        package static let deliveryMode: UInt16 = 1 << 12
        package static let priority: UInt16 = 1 << 11
        package static let correlationID: UInt16 = 1 << 10
        package static let replyTo: UInt16 = 1 << 9
        package static let expiration: UInt16 = 1 << 8
        package static let messageID: UInt16 = 1 << 7
        package static let timestamp: UInt16 = 1 << 6
        package static let type: UInt16 = 1 << 5
        package static let userID: UInt16 = 1 << 4
        package static let appID: UInt16 = 1 << 3
        package static let clusterID: UInt16 = 1 << 2
    }

    /// The flags word for the properties that are set.
    package var flags: UInt16 {
        var f: UInt16 = 0
        if contentType != nil { f |= Flag.contentType }
        if contentEncoding != nil { f |= Flag.contentEncoding }
        if headers != nil { f |= Flag.headers }
        if deliveryMode != nil { f |= Flag.deliveryMode }
        if priority != nil { f |= Flag.priority }
        if correlationID != nil { f |= Flag.correlationID }
        if replyTo != nil { f |= Flag.replyTo }
        if expiration != nil { f |= Flag.expiration }
        if messageID != nil { f |= Flag.messageID }
        if timestamp != nil { f |= Flag.timestamp }
        if type != nil { f |= Flag.type }
        if userID != nil { f |= Flag.userID }
        if appID != nil { f |= Flag.appID }
        if clusterID != nil { f |= Flag.clusterID }
        return f
    }

    /// Reads the flags word and the property list (the part of a content header after body size).
    package static func decode(_ r: inout WireReader) throws(AMQPDecodeError) -> BasicProperties {
        let f = try r.u16()
        // Bit 0 would announce a second flags word; basic has 14 properties, so none may follow.
        if f & 1 != 0 { throw .badPropertyFlags(f) }
        var p = BasicProperties()
        if f & Flag.contentType != 0 { p.contentType = try r.shortString() }
        if f & Flag.contentEncoding != 0 { p.contentEncoding = try r.shortString() }
        if f & Flag.headers != 0 { p.headers = try r.table() }
        if f & Flag.deliveryMode != 0 { p.deliveryMode = try r.u8() }
        if f & Flag.priority != 0 { p.priority = try r.u8() }
        if f & Flag.correlationID != 0 { p.correlationID = try r.shortString() }
        if f & Flag.replyTo != 0 { p.replyTo = try r.shortString() }
        if f & Flag.expiration != 0 { p.expiration = try r.shortString() }
        if f & Flag.messageID != 0 { p.messageID = try r.shortString() }
        if f & Flag.timestamp != 0 { p.timestamp = try r.u64() }
        if f & Flag.type != 0 { p.type = try r.shortString() }
        if f & Flag.userID != 0 { p.userID = try r.shortString() }
        if f & Flag.appID != 0 { p.appID = try r.shortString() }
        if f & Flag.clusterID != 0 { p.clusterID = try r.shortString() }
        return p
    }

    /// Appends the flags word and the property list.
    package func encode(into out: inout Bytes) {
        out.appendU16(flags)
        if let v = contentType { out.appendShortString(v) }
        if let v = contentEncoding { out.appendShortString(v) }
        if let v = headers { v.encode(into: &out) }
        if let v = deliveryMode { out.append(v) }
        if let v = priority { out.append(v) }
        if let v = correlationID { out.appendShortString(v) }
        if let v = replyTo { out.appendShortString(v) }
        if let v = expiration { out.appendShortString(v) }
        if let v = messageID { out.appendShortString(v) }
        if let v = timestamp { out.appendU64(v) }
        if let v = type { out.appendShortString(v) }
        if let v = userID { out.appendShortString(v) }
        if let v = appID { out.appendShortString(v) }
        if let v = clusterID { out.appendShortString(v) }
    }
}

/// A decoded content header frame payload.
package struct ContentHeader: Equatable, Sendable {
    package var classID: UInt16
    package var bodySize: UInt64
    package var properties: BasicProperties

    package init(classID: UInt16 = 60, bodySize: UInt64, properties: BasicProperties) {
        self.classID = classID
        self.bodySize = bodySize
        self.properties = properties
    }

    /// Decodes `class-id, weight, body-size, flags, properties`; trailing bytes are an error.
    package static func decode(_ payload: UnsafeRawBufferPointer) throws(AMQPDecodeError) -> ContentHeader {
        var r = WireReader(payload)
        let classID = try r.u16()
        _ = try r.u16()  // weight, unused and always 0
        let size = try r.u64()
        let props = try BasicProperties.decode(&r)
        if r.remaining != 0 { throw .truncated }
        return ContentHeader(classID: classID, bodySize: size, properties: props)
    }

    package func encode(into out: inout Bytes) {
        out.appendU16(classID)
        out.appendU16(0)
        out.appendU64(bodySize)
        properties.encode(into: &out)
    }
}
