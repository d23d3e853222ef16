// Hostile-probe regressions for the log (issue 16): a corrupt length that points exactly at the
// end of the file is corruption (not a torn tail), --check-log --fix refuses files that are not
// recognisably Latchkey logs and keeps a copy of what it cuts, and a record too large for the
// format is refused by the codec instead of trapping.
import Glibc
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyLog

@Suite("Log hardening") struct LogHardeningTests {
    let records: [LogRecord] = (0..<5).map {
        .set(db: 0, key: b("k\($0)"), value: b("value-\($0)"), expireAtMs: 1_000 + Int64($0))
    }

    /// Sets the length field of the frame at `at` (little-endian u32).
    func setLength(_ bytes: inout [UInt8], at: Int, _ len: Int) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: len >> (8 * i)) }
    }

    @Test("a corrupt length pointing exactly at end of file is corruption, not a torn tail") func lengthAtEndOfFile()
        throws
    {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("a.aof")
        var full = RawFile.log(records)
        let secondAt = RawFile.log(Array(records[0..<1])).count
        setLength(&full, at: secondAt, full.count - secondAt - RecordCodec.frameOverhead)
        RawFile.write(path, full)
        do {
            _ = try LogReader.replay(path: path, truncateTornTail: true) { _ in }
            Issue.record("expected corruption: valid records follow the damaged one")
        } catch let e as LogReplayError {
            guard case .corrupt(_, let offset, _) = e else {
                Issue.record("wrong error \(e)")
                return
            }
            #expect(offset == Int64(secondAt))
        }
        #expect(RawFile.read(path) == full)  // nothing was cut
    }

    @Test("a garbled last record whose length is intact is still a torn tail") func garbledLastRecord() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("a.aof")
        let good = RawFile.log(Array(records[0..<4]))
        var full = RawFile.log(records)
        for i in (good.count + 6)..<(full.count - 4) { full[i] = 0 }  // payload zeroed by a crash
        RawFile.write(path, full)
        var got: [LogRecord] = []
        let report = try LogReader.replay(path: path, truncateTornTail: true) { got.append($0) }
        #expect(got == Array(records[0..<4]))
        #expect(report.tornTail?.offset == Int64(good.count))
    }

    @Test("--check-log --fix refuses a file whose header is not a Latchkey log's", arguments: [0, 3, 8, 12])
    func fixRefusesForeignHeader(_ byte: Int) {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("x.aof")
        var bytes = RawFile.log(records)
        bytes[byte] ^= 0x01
        RawFile.write(path, bytes)
        let result = checkLog(path, fix: true)
        #expect(result.exitCode == 1 && !result.fixed)
        #expect(result.lines.contains { $0.contains("Refusing to fix") })
        #expect(RawFile.read(path) == bytes)
        let text = Array("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n".utf8)  // a Redis AOF given by mistake
        RawFile.write(path, text)
        #expect(checkLog(path, fix: true).exitCode == 1)
        #expect(RawFile.read(path) == text)
    }

    @Test("--check-log --fix keeps what it cuts in FILE.cut-<offset> and says so") func fixKeepsBackup() {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("c.aof")
        var full = RawFile.log(records)
        let thirdAt = RawFile.log(Array(records[0..<2])).count
        full[thirdAt + 6] ^= 0x80
        RawFile.write(path, full)
        let fixed = checkLog(path, fix: true)
        #expect(fixed.exitCode == 0 && fixed.fixed && fixed.records == 2)
        let backup = "\(path).cut-\(thirdAt)"
        #expect(RawFile.read(backup) == Array(full[thirdAt...]))
        #expect(fixed.lines.contains { $0.contains(backup) })
        #expect(RawFile.read(path) == Array(full[0..<thirdAt]))

        // A second damage at the same offset would overwrite the copy: refused, nothing changed.
        let damaged = Array(full[0..<thirdAt]) + [1, 2, 3]
        RawFile.write(path, damaged)
        let again = checkLog(path, fix: true)
        #expect(again.exitCode == 2 && !again.fixed)
        #expect(RawFile.read(path) == damaged)
        #expect(RawFile.read(backup) == Array(full[thirdAt...]))
    }

    @Test("a record larger than the format allows is refused by the codec, not a trap") func oversizedRecord() {
        // 1 GiB of untouched anonymous memory: no RAM is used, the codec must refuse before reading.
        let size = RecordCodec.maxPayload
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
            map != MAP_FAILED
        else {
            Issue.record("mmap failed")
            return
        }
        defer { munmap(map, size) }
        let huge = UnsafeRawBufferPointer(start: map, count: size)
        let small = UnsafeRawBufferPointer(start: map, count: 16)
        var out: [UInt8] = [7]
        #expect(!RecordCodec.encodeSet(db: 0, key: small, value: huge, expireAtMs: 0, into: &out))
        #expect(!RecordCodec.encodeSet(db: 0, key: huge, value: small, expireAtMs: 0, into: &out))
        #expect(out == [7])
        #expect(RecordCodec.encodeSet(db: 0, key: small, value: small, expireAtMs: 0, into: &out))
        #expect(RecordCodec.decodeAll(Array(out.dropFirst())) != nil)
        let journal = Journal(enabled: true)
        #expect(journal.maxWritePayload == RecordCodec.maxPayload)
    }
}
