// The ready ring's own storage: copies are independent (copy on write), growth, wrap-around and
// shrinking keep FIFO order, and entries are released exactly when they leave.
import LatchkeyCore
import Testing

@testable import LatchkeyBroker

@Suite("Entry ring") struct EntryRingTests {
    func entry(_ seq: UInt64, _ m: Message? = nil) -> QueueEntry {
        QueueEntry(
            message: m ?? Message.make(id: seq, content: [0, 0], propertiesCount: 2, exchange: [], routingKey: []),
            seq: seq)
    }

    @Test("a copy is not changed by appends, pops or sets on the original") func copyOnWrite() {
        var a = EntryRing()
        for i in 1...20 { a.append(entry(UInt64(i))) }
        let b = a
        _ = a.popFirst()
        a.append(entry(21))
        a[0] = entry(100)
        #expect(b.count == 20 && b[0].seq == 1 && b[19].seq == 20)
        #expect(a.count == 20 && a[0].seq == 100 && a[19].seq == 21)
        var c = b
        c.removeAll()
        #expect(c.isEmpty && b.count == 20)
    }

    @Test("grows, wraps and shrinks in FIFO order; prepend and ordered insert keep seq order") func order() {
        var r = EntryRing()
        var next: UInt64 = 1
        var expected: UInt64 = 1
        for round in 0..<3 {
            for _ in 0..<(10_000 + round * 3000) {
                r.append(entry(next))
                next += 1
            }
            while r.count > 50 {
                #expect(r.popFirst()?.seq == expected)
                expected += 1
            }
        }
        let front = r.popFirst()!
        r.insertOrdered(front)  // back to the front
        #expect(r.first?.seq == front.seq)
        while let e = r.popFirst() {
            #expect(e.seq == expected)
            expected += 1
        }
        #expect(expected == next && r.isEmpty && r.first == nil)
    }

    @Test("entries are released when popped, cleared or when the ring goes") func release() {
        weak var probe: Message?
        do {
            let m = Message.make(id: 1, content: [0, 0], propertiesCount: 2, exchange: [], routingKey: [])
            probe = m
            var r = EntryRing()
            r.append(entry(1, m))
            r.append(entry(2, m))
            _ = r.popFirst()
            #expect(probe != nil)
        }
        #expect(probe == nil)
    }
}
