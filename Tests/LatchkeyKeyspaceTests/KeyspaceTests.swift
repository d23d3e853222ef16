import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyKeyspace

func view(_ s: String, _ body: (ByteView) -> Void) {
    let b = Bytes(s.utf8)
    b.withUnsafeBufferPointer { body(ByteView(base: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count)) }
}

func get(_ ks: Keyspace, _ key: String, db: Int = 0, now: Int64) -> String? {
    var out: String? = nil
    view(key) { k in out = ks.lookupRead(db: db, k, now: now)?.stringValue.string }
    return out
}

@Suite("Keyspace") struct KeyspaceTests {
    @Test("set, get, overwrite with a different length, delete") func basics() {
        let ks = Keyspace(databases: 2, seed: 1)
        ks.setString(db: 0, Bytes("k".utf8), Bytes("v1".utf8), expireAt: 0, now: 0)
        #expect(get(ks, "k", now: 0) == "v1")
        ks.setString(db: 0, Bytes("k".utf8), Bytes("a longer value".utf8), expireAt: 0, now: 0)
        #expect(get(ks, "k", now: 0) == "a longer value")
        #expect(get(ks, "k", db: 1, now: 0) == nil)
        var deleted = false
        view("k") { deleted = ks.delete(db: 0, $0, now: 0) }
        #expect(deleted)
        #expect(get(ks, "k", now: 0) == nil)
        #expect(ks.size(db: 0) == 0)
    }

    @Test("a key is invisible at its deadline and reported as expired") func lazyExpiry() {
        let clock = ManualClock(now: 1_000)
        let ks = Keyspace(databases: 1, seed: 2)
        var expired: [String] = []
        ks.onExpire = { _, key in expired.append(key.string) }
        ks.setString(db: 0, Bytes("lock".utf8), Bytes("token".utf8), expireAt: 1_100, now: clock.now)
        clock.advance(ms: 99)
        #expect(get(ks, "lock", now: clock.now) == "token")
        clock.advance(ms: 1)
        #expect(get(ks, "lock", now: clock.now) == nil)
        #expect(expired == ["lock"])
        #expect(ks.size(db: 0) == 0)
    }

    @Test("many keys survive growth and deletion with backward shifting") func churn() {
        let ks = Keyspace(databases: 1, seed: 3)
        for i in 0..<5000 { ks.setString(db: 0, Bytes("key:\(i)".utf8), Bytes("\(i)".utf8), expireAt: 0, now: 0) }
        #expect(ks.size(db: 0) == 5000)
        for i in stride(from: 0, to: 5000, by: 2) { view("key:\(i)") { _ = ks.delete(db: 0, $0, now: 0) } }
        #expect(ks.size(db: 0) == 2500)
        for i in 0..<5000 { #expect(get(ks, "key:\(i)", now: 0) == (i % 2 == 0 ? nil : "\(i)")) }
    }

    @Test("the active expiry cycle reclaims untouched keys within bounded passes") func activeExpiry() {
        let ks = Keyspace(databases: 2, seed: 4)
        var reported = 0
        ks.onExpire = { _, _ in reported += 1 }
        for i in 0..<3000 {
            ks.setString(db: i % 2, Bytes("lock:\(i)".utf8), Bytes("t".utf8), expireAt: i < 2000 ? 500 : 0, now: 0)
        }
        let budget = ExpiryBudget(minSlots: 256, tableShift: 6, maxSlots: 100_000)
        var deleted = 0
        var calls = 0
        while deleted < 2000 && calls < 100 {
            deleted += ks.activeExpireCycle(now: 501, budget: budget)
            calls += 1
        }
        #expect(deleted == 2000)
        #expect(reported == 2000)
        #expect(ks.size(db: 0) + ks.size(db: 1) == 1000)
        #expect(ks.activeExpireCycle(now: 501, budget: budget) == 0)
    }

    @Test("the cycle keeps going while most keys it sees are expired, within its cap") func adaptive() {
        let ks = Keyspace(databases: 1, seed: 7)
        for i in 0..<10_000 { ks.setString(db: 0, Bytes("k\(i)".utf8), Bytes("v".utf8), expireAt: 10, now: 0) }
        #expect(ks.activeExpireCycle(now: 11) == 10_000)
        for i in 0..<10_000 { ks.setString(db: 0, Bytes("k\(i)".utf8), Bytes("v".utf8), expireAt: 10, now: 0) }
        let small = ExpiryBudget(minSlots: 64, tableShift: 10, maxSlots: 1000)
        #expect(ks.activeExpireCycle(now: 11, budget: small) <= 1000)
    }

    @Test("expiry can be set and removed") func setExpire() {
        let ks = Keyspace(databases: 1, seed: 5)
        ks.setString(db: 0, Bytes("k".utf8), Bytes("v".utf8), expireAt: 0, now: 0)
        view("k") { _ = ks.setExpire(db: 0, $0, at: 10, now: 0) }
        #expect(ks.databases[0].expiresCount == 1)
        view("k") { _ = ks.setExpire(db: 0, $0, at: 0, now: 0) }
        #expect(ks.databases[0].expiresCount == 0)
        #expect(get(ks, "k", now: 100) == "v")
    }

    @Test("SCAN returns every key present throughout, even when the table grows mid-scan") func scanWhileGrowing() {
        let ks = Keyspace(databases: 1, seed: 8)
        for i in 0..<200 { ks.setString(db: 0, Bytes("old\(i)".utf8), Bytes("v".utf8), expireAt: 0, now: 0) }
        var seen = Set<String>()
        var cursor = 0
        var step = 0
        repeat {
            cursor = ks.scan(db: 0, cursor: cursor, count: 10, matching: nil, type: nil, now: 0) {
                seen.insert($0.string)
            }
            // Grow the table (several doublings) during the first steps of the scan.
            if step < 6 {
                for j in 0..<400 {
                    ks.setString(db: 0, Bytes("new\(step)-\(j)".utf8), Bytes("v".utf8), expireAt: 0, now: 0)
                }
            }
            step += 1
        } while cursor != 0 && step < 10_000
        #expect(cursor == 0)
        #expect((0..<200).allSatisfy { seen.contains("old\($0)") })
    }

    @Test("SCAN walks every key exactly once when nothing changes") func scan() {
        let ks = Keyspace(databases: 1, seed: 6)
        for i in 0..<300 { ks.setString(db: 0, Bytes("s\(i)".utf8), Bytes("v".utf8), expireAt: 0, now: 0) }
        var seen: [String] = []
        var cursor = 0
        repeat {
            cursor = ks.scan(db: 0, cursor: cursor, count: 10, matching: nil, type: nil, now: 0) {
                seen.append($0.string)
            }
        } while cursor != 0
        #expect(seen.count == 300)
        #expect(Set(seen).count == 300)
    }
}

@Suite("Glob") struct GlobTests {
    @Test(
        "stringmatchlen semantics",
        arguments: [
            ("*", "anything", true), ("lock:*", "lock:1", true), ("lock:*", "lak:1", false), ("h?llo", "hello", true),
            ("h?llo", "hllo", false), ("h[ae]llo", "hallo", true), ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true), ("h\\*llo", "h*llo", true), ("h\\*llo", "hello", false),
            ("*a*b", "xxaxxb", true), ("", "", true), ("a", "", false), ("*", "", false), ("[z-a]", "m", true),
        ]) func matches(pattern: String, string: String, expected: Bool)
    { #expect(Glob.matches(Bytes(pattern.utf8), Bytes(string.utf8)) == expected) }

    @Test("pathological patterns end without exhausting the stack") func pathological() {
        let pattern = Bytes(String(repeating: "*a", count: 50_000).utf8)
        let string = Bytes(String(repeating: "a", count: 60_000).utf8) + [98]
        #expect(!Glob.matches(pattern, string))
        #expect(!Glob.matches(Bytes("a*a*a*a*a*a*a*a*a*a*a*a*b".utf8), Bytes(repeating: 97, count: 200)))
    }

    @Test("case-insensitive mode for CONFIG GET") func nocase() {
        #expect(Glob.matches(Bytes("SAVE".utf8), Bytes("save".utf8), caseInsensitive: true))
        #expect(!Glob.matches(Bytes("SAVE".utf8), Bytes("save".utf8)))
    }
}
