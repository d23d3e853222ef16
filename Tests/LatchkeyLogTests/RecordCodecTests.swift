// Round trips of every record kind through the codec and the journal, the CRC-32C test
// vector, and the header checks.
import LatchkeyCore
import Testing

@testable import LatchkeyLog

@Suite("Record codec") struct RecordCodecTests {
    @Test("CRC32C - standard test vector 123456789") func crcVector() {
        #expect(CRC32C.checksum(Bytes(utf8: "123456789")) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // The sliced loop and the byte loop agree across every split.
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 * 37) }
        let whole = CRC32C.checksum(data)
        for cut in 0...data.count {
            let first = data[0..<cut].withUnsafeBytes { CRC32C.update(0, $0) }
            let both = data[cut...].withUnsafeBytes { CRC32C.update(first, $0) }
            #expect(both == whole)
        }
    }

    @Test("encode then decode returns the same record", arguments: everyRecord) func roundTrip(_ record: LogRecord) {
        let framed = RecordCodec.encode(record)
        #expect(RecordCodec.decodeAll(framed) == [record])
        #expect(framed[4] == record.type.rawValue)
    }

    @Test("every record type has a sample") func coverage() {
        #expect(Set(everyRecord.map(\.type)) == Set(RecordType.allCases))
    }

    @Test("journal frames records and hands them over once") func journal() {
        let j = Journal(enabled: true)
        for r in everyRecord { j.append(r) }
        #expect(j.count == everyRecord.count)
        #expect(j.pending == everyRecord)
        let taken = j.takeBytes { RecordCodec.decodeAll(Array($0)) }
        #expect(taken == everyRecord)
        #expect(!j.hasPending)
        #expect(j.take().isEmpty)
    }

    @Test("disabled journal records nothing") func journalOff() {
        let j = Journal(enabled: false)
        j.append(.flushAll)
        #expect(!j.hasPending)
    }

    @Test("a flipped bit anywhere in a frame is caught") func crcCatchesFlips() {
        let framed = RecordCodec.encode(everyRecord[0])
        for i in 0..<framed.count {
            for bit in 0..<8 {
                var bad = framed
                bad[i] ^= UInt8(1 << bit)
                #expect(RecordCodec.decodeAll(bad) == nil)
            }
        }
    }

    @Test("a CRC-valid frame with a malformed payload is rejected") func malformedPayload() {
        // A delete whose key length runs past the payload.
        var out: [UInt8] = [3, 0, 0, 0, RecordType.delete.rawValue, 0, 9, 65]
        RecordCodec.appendU32(CRC32C.checksum(out), to: &out)
        #expect(RecordCodec.decodeAll(out) == nil)
        // An unknown type byte.
        var unknown: [UInt8] = [0, 0, 0, 0, 200]
        RecordCodec.appendU32(CRC32C.checksum(unknown), to: &unknown)
        #expect(RecordCodec.decodeAll(unknown) == nil)
    }

    @Test("header - valid, prefix, bad magic, bad version, bad checksum") func header() {
        let h = RecordCodec.fileHeader()
        #expect(h.count == RecordCodec.headerSize)
        #expect(h.withUnsafeBytes { RecordCodec.checkHeader($0) } == .ok)
        #expect(Array(h[0..<7]).withUnsafeBytes { RecordCodec.checkHeader($0) } == .incomplete)
        var bad = h
        bad[1] = 0
        #expect(bad.withUnsafeBytes { RecordCodec.checkHeader($0) } == .badMagic)
        var v2 = Array(h[0..<8])
        RecordCodec.appendU32(2, to: &v2)
        RecordCodec.appendU32(CRC32C.checksum(v2), to: &v2)
        #expect(v2.withUnsafeBytes { RecordCodec.checkHeader($0) } == .badVersion(2))
        var flipped = h
        flipped[9] ^= 1
        #expect(flipped.withUnsafeBytes { RecordCodec.checkHeader($0) } == .badChecksum)
    }
}

@Suite("Record codec - borrowed set") struct RecordCodecBorrowedTests {
    @Test("encodeSet from borrowed bytes equals encode of the set record") func encodeSetMatches() {
        for record in everyRecord {
            guard case .set(let db, let key, let value, let exp) = record else { continue }
            var out: [UInt8] = []
            key.withUnsafeBytes { k in
                value.withUnsafeBytes { v in
                    RecordCodec.encodeSet(db: db, key: k, value: v, expireAtMs: exp, into: &out)
                }
            }
            #expect(out == RecordCodec.encode(record))
        }
    }
}
