// BasicProperties.scan against BasicProperties.decode: the same verdict (and the same error) for
// valid, truncated and corrupted property lists, the offsets of expiration and reply-to, and
// `canonical` false exactly when decode + encode would change the bytes.
import LatchkeyCore
import Testing

@testable import LatchkeyAMQP

private func decodeProps(_ b: Bytes) -> Result<BasicProperties, AMQPDecodeError> {
    b.withUnsafeBytes { p in
        var r = WireReader(p)
        do throws(AMQPDecodeError) {
            let v = try BasicProperties.decode(&r)
            return r.remaining == 0 ? .success(v) : .failure(.truncated)
        } catch { return .failure(error) }
    }
}

private func scanProps(_ b: Bytes) -> Result<PropertySummary, AMQPDecodeError> {
    b.withUnsafeBytes { p in
        var r = WireReader(p)
        do throws(AMQPDecodeError) {
            let v = try BasicProperties.scan(&r)
            return r.remaining == 0 ? .success(v) : .failure(.truncated)
        } catch { return .failure(error) }
    }
}

/// The error, or nil for success (what the two must agree on).
private func verdict<T>(_ r: Result<T, AMQPDecodeError>) -> AMQPDecodeError? {
    if case .failure(let e) = r { return e }
    return nil
}

private func encoded(_ p: BasicProperties) -> Bytes {
    var out: Bytes = []
    p.encode(into: &out)
    return out
}

@Suite("Property scan") struct PropertyScanTests {
    let nested = BasicProperties(
        headers: FieldTable([
            FieldEntry(
                Bytes("a".utf8), .array([.bool(true), .longString(Bytes("x".utf8)), .decimal(scale: 2, value: 7)])),
            FieldEntry(Bytes("t".utf8), .table(FieldTable([FieldEntry(Bytes("f".utf8), .float(bits: 1))]))),
            FieldEntry(Bytes("v".utf8), .void), FieldEntry(Bytes("T".utf8), .timestamp(5)),
        ]), deliveryMode: 2, priority: 9, replyTo: Bytes("rq".utf8), expiration: Bytes("1500".utf8))

    @Test("finds what decode finds, with offsets into the bytes") func summary() throws {
        let b = encoded(nested)
        let s = try scanProps(b).get()
        #expect(s.flags == nested.flags && s.deliveryMode == 2 && s.priority == 9 && s.canonical)
        #expect(s.expiration.map { Bytes(b[$0]) } == Bytes("1500".utf8))
        #expect(s.replyTo.map { Bytes(b[$0]) } == Bytes("rq".utf8))
        #expect(try scanProps(encoded(BasicProperties())).get() == PropertySummary())
    }

    @Test("every truncation and every single-byte corruption gets decode's verdict") func sameVerdict() {
        let b = encoded(nested)
        for n in 0...b.count {
            let cut = Bytes(b[0..<n])
            #expect(verdict(scanProps(cut)) == verdict(decodeProps(cut)), "prefix \(n)")
        }
        for i in b.indices {
            for v: UInt8 in [0, 1, 2, 0x41, 0x46, 0x7F, 0xFF] {
                var c = b
                c[i] = v
                let d = decodeProps(c)
                let s = scanProps(c)
                #expect(verdict(s) == verdict(d), "byte \(i) = \(v)")
                if case .success(let props) = d, case .success(let sum) = s {
                    #expect(sum.canonical == (encoded(props) == c), "byte \(i) = \(v)")
                }
            }
        }
    }

    @Test("a bool octet other than 0 or 1 is not canonical") func bool() throws {
        var b = encoded(BasicProperties(headers: FieldTable([FieldEntry(Bytes("b".utf8), .bool(true))])))
        b[b.count - 1] = 2
        #expect(try !scanProps(b).get().canonical)
    }

    @Test("deep nesting is refused as decode refuses it") func nesting() {
        var table = FieldTable()
        for _ in 0...WireReader.maxNesting { table = FieldTable([FieldEntry([0x6B], .table(table))]) }
        let b = encoded(BasicProperties(headers: table))
        #expect(verdict(scanProps(b)) == verdict(decodeProps(b)))
        #expect(throws: AMQPDecodeError.nestingTooDeep) { try scanProps(b).get() }
    }
}
