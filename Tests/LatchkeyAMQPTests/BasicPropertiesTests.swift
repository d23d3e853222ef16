// The 14 basic properties: flags bit order, every property alone and all together round-trip
// through a content header, and malformed headers are rejected.
import LatchkeyCore
import Testing

@testable import LatchkeyAMQP

func decodeHeader(_ b: Bytes) throws(AMQPDecodeError) -> ContentHeader {
    var result: Result<ContentHeader, AMQPDecodeError> = .failure(.truncated)
    b.withUnsafeBytes { p in
        do throws(AMQPDecodeError) { result = .success(try ContentHeader.decode(p)) } catch { result = .failure(error) }
    }
    return try result.get()
}

let allProperties = BasicProperties(
    contentType: Bytes("text/plain".utf8), contentEncoding: Bytes("gzip".utf8),
    headers: FieldTable([FieldEntry(Bytes("x-n".utf8), .int64L(3)), FieldEntry(Bytes("x-s".utf8), .uint16(9))]),
    deliveryMode: 2, priority: 7, correlationID: Bytes("corr".utf8), replyTo: Bytes("amq.rabbitmq.reply-to".utf8),
    expiration: Bytes("60000".utf8), messageID: Bytes("mid".utf8), timestamp: 1_700_000_000, type: Bytes("t".utf8),
    userID: Bytes("guest".utf8), appID: Bytes("app".utf8), clusterID: Bytes("c".utf8))

/// Each property alone, with the flag bit it must set.
let singleProperties: [(UInt16, BasicProperties)] = [
    (1 << 15, BasicProperties(contentType: [0x61])), (1 << 14, BasicProperties(contentEncoding: [0x61])),
    (1 << 13, BasicProperties(headers: FieldTable())), (1 << 12, BasicProperties(deliveryMode: 1)),
    (1 << 11, BasicProperties(priority: 0)), (1 << 10, BasicProperties(correlationID: [])),
    (1 << 9, BasicProperties(replyTo: [0x61])), (1 << 8, BasicProperties(expiration: [0x31])),
    (1 << 7, BasicProperties(messageID: [0x61])), (1 << 6, BasicProperties(timestamp: 0)),
    (1 << 5, BasicProperties(type: [0x61])), (1 << 4, BasicProperties(userID: [0x61])),
    (1 << 3, BasicProperties(appID: [0x61])), (1 << 2, BasicProperties(clusterID: [0x61])),
]

@Suite("Basic properties and content headers") struct BasicPropertiesTests {
    @Test("each property alone sets its flag bit and round-trips", arguments: singleProperties.indices) func single(
        _ i: Int
    ) throws {
        let (flag, props) = singleProperties[i]
        #expect(props.flags == flag)
        var out: Bytes = []
        ContentHeader(bodySize: 10, properties: props).encode(into: &out)
        #expect(out[12] == UInt8(flag >> 8) && out[13] == UInt8(flag & 0xFF))
        #expect(try decodeHeader(out) == ContentHeader(bodySize: 10, properties: props))
    }

    @Test("all 14 properties round-trip; header layout is class, weight, size, flags") func all() throws {
        var out: Bytes = []
        ContentHeader(bodySize: 0x0102, properties: allProperties).encode(into: &out)
        #expect(Array(out[0..<14]) == [0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0xFF, 0xFC])
        let back = try decodeHeader(out)
        #expect(back.properties == allProperties)
        #expect(back.bodySize == 0x0102)
        var again: Bytes = []
        back.encode(into: &again)
        #expect(again == out)
    }

    @Test("no properties is flags 0") func none() throws {
        var out: Bytes = []
        ContentHeader(bodySize: 0, properties: BasicProperties()).encode(into: &out)
        #expect(out == [0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try decodeHeader(out).properties == BasicProperties())
    }

    @Test("a continuation flag, truncation or trailing bytes are rejected") func malformed() {
        #expect(throws: AMQPDecodeError.badPropertyFlags(1)) {
            try decodeHeader([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        }
        var out: Bytes = []
        ContentHeader(bodySize: 1, properties: allProperties).encode(into: &out)
        for n in 0..<out.count { #expect(throws: AMQPDecodeError.self) { try decodeHeader(Array(out[0..<n])) } }
        #expect(throws: AMQPDecodeError.truncated) { try decodeHeader(out + [0]) }
    }
}
