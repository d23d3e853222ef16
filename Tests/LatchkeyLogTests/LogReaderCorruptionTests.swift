// Replay of crafted logs, after Redis's aof.tcl: the last record cut at every byte offset,
// flipped bits in the middle and at the tail, garbage appended, missing or garbled headers,
// aof-load-truncated no, and --check-log report/fix.
import Glibc
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyLog

@Suite("Log reader corruption") struct LogReaderCorruptionTests {
    let records: [LogRecord] = (0..<5).map {
        .set(db: 0, key: b("k\($0)"), value: b("value-\($0)"), expireAtMs: 1_000 + Int64($0))
    }
    let last: LogRecord = .set(db: 0, key: b("last"), value: b("the last record"), expireAtMs: 7)

    func replay(_ bytes: [UInt8], truncate: Bool = true) throws -> ([LogRecord], ReplayReport, [UInt8]) {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("a.aof")
        RawFile.write(path, bytes)
        var got: [LogRecord] = []
        let report = try LogReader.replay(path: path, truncateTornTail: truncate) { got.append($0) }
        return (got, report, RawFile.read(path))
    }

    @Test("a clean log replays every record") func clean() throws {
        let (got, report, _) = try replay(RawFile.log(records + [last]))
        #expect(got == records + [last])
        #expect(report.tornTail == nil)
        #expect(report.records == 6)
    }

    @Test("the last record cut at every byte offset is reported and truncated") func tornAtEveryOffset() throws {
        let good = RawFile.log(records)
        let full = RawFile.log(records + [last])
        for cut in good.count..<full.count {
            let (got, report, after) = try replay(Array(full[0..<cut]))
            #expect(got == records)
            if cut == good.count {
                #expect(report.tornTail == nil)
            } else {
                #expect(report.tornTail?.offset == Int64(good.count))
                #expect(report.tornTail?.discardedBytes == Int64(cut - good.count))
                #expect(report.truncated)
                #expect(report.tornTailMessage?.contains("offset \(good.count)") == true)
            }
            #expect(after == good)
        }
    }

    @Test("a flipped bit in the last record is a torn tail") func flipAtTail() throws {
        let good = RawFile.log(records)
        var full = RawFile.log(records + [last])
        full[full.count - 6] ^= 0x10
        let (got, report, after) = try replay(full)
        #expect(got == records)
        #expect(report.tornTail?.offset == Int64(good.count))
        #expect(after == good)
    }

    @Test("a flipped bit in the middle refuses with file and offset", arguments: [0, 4, 5, 9]) func flipInMiddle(
        _ byteInRecord: Int
    ) throws {
        var full = RawFile.log(records + [last])
        let secondAt = RawFile.log(Array(records[0..<1])).count
        full[secondAt + byteInRecord] ^= 0x01
        do {
            _ = try replay(full)
            Issue.record("expected corruption")
        } catch let e as LogReplayError {
            guard case .corrupt(let path, let offset, _) = e else {
                Issue.record("wrong error \(e)")
                return
            }
            #expect(offset == Int64(secondAt))
            #expect(path.hasSuffix("a.aof"))
            #expect(e.description.contains("offset \(secondAt)"))
        }
    }

    @Test("a length flipped high in the middle is corruption, not a torn tail") func hugeLengthInMiddle() throws {
        var full = RawFile.log(records + [last])
        let secondAt = RawFile.log(Array(records[0..<1])).count
        full[secondAt + 2] = 0x7F
        #expect(throws: LogReplayError.self) { try replay(full) }
    }

    @Test("garbage appended after the last record is cut and reported") func garbageAppended() throws {
        let good = RawFile.log(records + [last])
        for garbage in [b("hello world, not a record"), [0, 0], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1]] {
            let (got, report, after) = try replay(good + garbage)
            #expect(got == records + [last])
            #expect(report.tornTail?.offset == Int64(good.count))
            #expect(after == good)
        }
    }

    @Test("aof-load-truncated no refuses a torn tail and leaves the file alone") func truncationRefused() throws {
        let full = RawFile.log(records + [last])
        let cut = Array(full[0..<(full.count - 3)])
        do {
            _ = try replay(cut, truncate: false)
            Issue.record("expected refusal")
        } catch let e as LogReplayError {
            guard case .tornTailRefused = e else {
                Issue.record("wrong error \(e)")
                return
            }
        }
    }

    @Test("a missing or garbled header refuses; a partial header is a torn empty log") func headers() throws {
        let body = RawFile.log(records)
        #expect(throws: LogReplayError.self) { try replay(Array(body[RecordCodec.headerSize...])) }
        var garbled = body
        garbled[10] ^= 4
        #expect(throws: LogReplayError.self) { try replay(garbled) }
        #expect(throws: LogReplayError.self) { try replay(b("SET k v\r\n")) }
        let (got, report, after) = try replay(Array(body[0..<5]))
        #expect(got.isEmpty)
        #expect(report.tornTail?.offset == 0)
        #expect(after.isEmpty)
    }

    @Test("a missing file or an empty file replays nothing") func missingAndEmpty() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let report = try LogReader.replay(path: dir.file("none.aof"), truncateTornTail: true) { _ in }
        #expect(!report.exists)
        let (got, r2, _) = try replay([])
        #expect(got.isEmpty && r2.exists && r2.tornTail == nil)
    }

    @Test("records larger than the read buffer replay") func bigRecords() throws {
        let big: [LogRecord] = (0..<3).map {
            .set(db: 0, key: b("big\($0)"), value: [UInt8](repeating: UInt8($0), count: 5 << 20), expireAtMs: 0)
        }
        let (got, report, _) = try replay(RawFile.log(records + big + [last]))
        #expect(got == records + big + [last])
        #expect(report.tornTail == nil)
    }

    @Test("--check-log reports a torn tail and --fix truncates it") func checkLogTorn() {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("c.aof")
        let good = RawFile.log(records)
        let full = RawFile.log(records + [last])
        RawFile.write(path, Array(full[0..<(full.count - 4)]))
        let report = checkLog(path, fix: false)
        #expect(report.exitCode == 1)
        #expect(report.damagedAt == Int64(good.count))
        #expect(RawFile.read(path).count == full.count - 4)
        let fixed = checkLog(path, fix: true)
        #expect(fixed.fixed && fixed.exitCode == 0)
        #expect(fixed.records == records.count)
        #expect(RawFile.read(path) == good)
        #expect(checkLog(path, fix: false).exitCode == 0)
    }

    @Test("--check-log --fix cuts at corruption in the middle") func checkLogCorrupt() {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("c.aof")
        var full = RawFile.log(records + [last])
        let thirdAt = RawFile.log(Array(records[0..<2])).count
        full[thirdAt + 6] ^= 0x80
        RawFile.write(path, full)
        let report = checkLog(path, fix: false)
        #expect(report.exitCode == 1 && report.damagedAt == Int64(thirdAt))
        let fixed = checkLog(path, fix: true)
        #expect(fixed.exitCode == 0 && fixed.records == 2)
        #expect(checkLog(dir.file("missing.aof"), fix: false).exitCode == 2)
    }
}
