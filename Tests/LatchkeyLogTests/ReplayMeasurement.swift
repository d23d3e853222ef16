// A by-hand measurement, not a timed test: writes a 1,000,000-record log and reports how long
// replay takes. Skipped unless LATCHKEY_LOG_MEASURE=1; run in release:
//   LATCHKEY_LOG_MEASURE=1 swift test -c release --filter ReplayMeasurement
// The figure goes to docs/benchmarks.md (target: under 1 s).
import Glibc
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyLog

@Suite("ReplayMeasurement") struct ReplayMeasurement {
    static var enabled: Bool { getenv("LATCHKEY_LOG_MEASURE") != nil }

    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test("replay of 1,000,000 records", .enabled(if: ReplayMeasurement.enabled)) func replayMillion() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("million.aof")
        let w = try LogWriter(path: path, policy: .no)
        let j = Journal(enabled: true)
        let t0 = Self.seconds()
        for i in 0..<1_000_000 {
            // SET lock:<i> <uuid-sized token> PX 30000, as the lock workload writes it.
            j.append(
                .set(
                    db: 0, key: b("lock:\(i)"), value: b("5f2c9e1a-8b7d-4c3e-9a1f-\(i)"), expireAtMs: 1_800_000_000_000)
            )
            if i % 1000 == 999 { w.append(j) }
        }
        w.append(j)
        let t1 = Self.seconds()
        var count = 0
        var keyBytes = 0
        let report = try LogReader.replay(path: path, truncateTornTail: false) { r in
            count += 1
            if case .set(_, let k, _, _) = r { keyBytes &+= k.count }
        }
        let t2 = Self.seconds()
        #expect(count == 1_000_000 && report.records == count && keyBytes > 0)
        print("log measure: wrote \(report.fileSize) bytes in \(t1 - t0) s; replayed \(count) records in \(t2 - t1) s")
    }

    @Test("framing a 1,000,000-key rewrite snapshot on the loop", .enabled(if: ReplayMeasurement.enabled))
    func snapshotMillion() {
        let keys = (0..<1_000_000).map { b("lock:\($0)") }
        let value = b("5f2c9e1a-8b7d-4c3e-9a1f-0123456789ab")
        var out: [UInt8] = []
        let t0 = Self.seconds()
        value.withUnsafeBytes { v in
            for k in keys {
                k.withUnsafeBytes {
                    RecordCodec.encodeSet(db: 0, key: $0, value: v, expireAtMs: 1_800_000_000_000, into: &out)
                }
            }
        }
        let t1 = Self.seconds()
        #expect(out.count > 1_000_000)
        print("log measure: framed 1,000,000 set records (\(out.count) bytes) in \(t1 - t0) s")
    }
}
