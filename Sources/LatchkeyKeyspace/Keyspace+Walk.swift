// The one bucket walker, shared by SCAN and the log rewrite's snapshot: a reverse-binary walk
// over home buckets (Redis's dictScan order), so a key present for the whole walk is visited at
// least once even if the table grows or shrinks between steps (it may be visited twice). Each
// bucket emits the entries whose hash starts there; with linear probing those sit in the run of
// occupied slots from the bucket on. What is done with an entry (skip expired, filter, frame a
// record) is the caller's.

extension Keyspace {
    /// One step over `db`: visits home buckets from `cursor` and calls `body` with every entry
    /// whose home bucket it visits (expired ones too), until about `count` entries were seen or
    /// `count * 10` buckets were visited (Redis's SCAN bound on empty buckets). Returns the next
    /// cursor (0 = the walk is complete) and how many entries were seen. `body` must not change
    /// the table.
    public func walkBuckets(db dbIndex: Int, cursor: Int, count: Int, _ body: (Entry) -> Void) -> (next: Int, seen: Int)
    {
        let db = databases[dbIndex]
        let mask = UInt64(db.capacity - 1)
        var v = UInt64(truncatingIfNeeded: cursor)
        var seen = 0
        var buckets = 0
        let maxBuckets = count > Int.max / 10 ? Int.max : count * 10
        repeat {
            let home = Int(v & mask)
            var i = home
            while db.isOccupied(i) {
                let e = db.entry(at: i)
                if Int(truncatingIfNeeded: db.hash(e.keyPointer, e.keyLength) & mask) == home {
                    seen += 1
                    body(e)
                }
                i = (i + 1) & Int(mask)
            }
            // Reverse-binary increment of the bits under the mask.
            v |= ~mask
            v = Keyspace.reverseBits(Keyspace.reverseBits(v) &+ 1)
            buckets += 1
        } while v != 0 && seen < count && buckets < maxBuckets
        return (Int(truncatingIfNeeded: v), seen)
    }
}
