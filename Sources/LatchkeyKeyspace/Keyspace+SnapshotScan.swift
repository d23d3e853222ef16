// The cursor a log rewrite uses to frame the keyspace a slice at a time: the same reverse-binary
// walk over home buckets as SCAN (so a key present for the whole walk is visited at least once
// even if the table grows or shrinks in between), handing out entries instead of keys. What is
// done with them (skip expired, frame a record) is the caller's.

extension Keyspace {
    /// One step of a snapshot walk over `db`: visits home buckets from `cursor` in reverse-binary
    /// order and calls `body` with every entry whose home bucket it visits (expired ones too),
    /// until about `count` entries were seen. Returns the next cursor (0 = the walk is complete)
    /// and how many entries were seen. Between steps the table may change freely.
    public func snapshotScan(db dbIndex: Int, cursor: Int, count: Int, _ body: (Entry) -> Void) -> (next: Int, seen: Int) {
        let db = databases[dbIndex]
        let mask = UInt64(db.capacity - 1)
        var v = UInt64(truncatingIfNeeded: cursor)
        var seen = 0
        var buckets = 0
        repeat {
            let home = Int(v & mask)
            var i = home
            // Keys whose hash starts at `home` sit in the run of occupied slots from `home` on.
            while db.isOccupied(i) {
                let e = db.entry(at: i)
                if Int(truncatingIfNeeded: db.hash(e.keyPointer, e.keyLength) & mask) == home {
                    seen += 1
                    body(e)
                }
                i = (i + 1) & Int(mask)
            }
            v |= ~mask
            v = Keyspace.reverseBits(Keyspace.reverseBits(v) &+ 1)
            buckets += 1
        } while v != 0 && seen < count && buckets < count * 4
        return (Int(truncatingIfNeeded: v), seen)
    }
}
