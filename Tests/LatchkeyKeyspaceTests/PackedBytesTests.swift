import LatchkeyCore
// PackedBytes: 16 bytes per slot, canonical (so Hashable by representation is content equality),
// and lossless across the inline/heap boundary.
import Testing

@testable import LatchkeyKeyspace

@Suite("PackedBytes") struct PackedBytesTests {
    @Test("a slot is 16 bytes, optional included") func size() {
        #expect(MemoryLayout<PackedBytes>.size == 16)
        #expect(MemoryLayout<PackedBytes?>.size == 16)
    }

    @Test("every length round-trips and equal contents are equal and hash alike", arguments: [0, 1, 13, 14, 15, 64])
    func roundTrip(n: Int) {
        let b = Bytes((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) })
        let p = PackedBytes(b)
        #expect(p.bytes == b && p.count == n)
        let q = b.withByteView { PackedBytes($0) }
        #expect(p == q && p.hashValue == q.hashValue)
        #expect(b.withByteView { p.equals($0) })
        #expect(p.heapCost == (n > PackedBytes.inlineCapacity ? ListValue.elementCost(n) : 0))
        if n > 0 { #expect(PackedBytes(Bytes(b.dropLast())) != p) }
    }

    @Test("lists keep elements of every size in order through pushes, pops and a rebuild") func list() {
        let l = ListValue()
        let items = (0..<40).map { Bytes(repeating: UInt8($0), count: $0) }
        for x in items { l.pushBack(x) }
        l.pushFront([9])
        #expect(l.popFront() == [9])
        #expect(l.elements == items)
        l.trim(start: 3, stop: 30)
        #expect(l.elements == Array(items[3...30]))
    }
}
