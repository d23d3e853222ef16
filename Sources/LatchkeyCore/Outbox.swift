// The seam between protocol sessions and the socket layer. A session appends reply bytes to its
// connection's Outbox and marks it dirty; the server writes every dirty outbox once, before the
// loop sleeps (so all replies produced from one read leave in one write, and log records are
// flushed before any reply). Sessions may also push into other connections' outboxes (AMQP
// deliveries), which is why dirtiness goes through a shared FlushQueue.

/// Bytes waiting to be written to one connection.
public final class Outbox {
    /// Pending output. Sessions append; the server removes what the socket accepted.
    @exclusivity(unchecked) public var bytes: Bytes = []
    /// Set by a session when the connection must close once pending output is written
    /// (QUIT, protocol errors, connection.close-ok).
    @exclusivity(unchecked) public var closeAfterFlush = false
    /// Set by the server while the socket is being closed; sessions stop producing.
    @exclusivity(unchecked) public var isClosed = false
    /// How many pending bytes this outbox may hold before the client is over its hard output
    /// limit (the server sets it before each read, net of bytes already queued in the socket).
    /// Sessions check it after every command and stop executing a pipeline that passes it, as
    /// Redis stops a client flagged close-asap; the server then closes the connection.
    public var outputBudget = Int.max
    /// Set when the client must be closed at once with its pending output dropped (a pub/sub
    /// listener past its output limit, as Redis's "scheduled to be closed ASAP").
    public var discardAndClose = false
    /// Bytes the writer has handed to the transport but not sent yet (kept current by the
    /// server), so limits checked before buffering see all of a client's pending output.
    public var transportQueuedBytes = 0
    /// Set by a session that left input unread and can take it now (a client served after
    /// blocking in BLPOP & co.): the server offers the buffered bytes again on the next loop
    /// iteration, so commands pipelined behind the blocking one run without waiting for a read.
    @exclusivity(unchecked) public var wantsInputRedelivery = false
    /// The server's writer for this outbox.
    public weak var writer: OutboxWriter?
    @exclusivity(unchecked) @usableFromInline var queued = false
    @usableFromInline let queue: FlushQueue

    public init(queue: FlushQueue) {
        self.queue = queue
        bytes.reserveCapacity(256)
    }

    /// Asks the server to write this outbox before the loop next sleeps.
    @inlinable public func markDirty() {
        if !queued {
            queued = true
            queue.pending.append(self)
        }
    }
}

/// Implemented by the server's connection object.
public protocol OutboxWriter: AnyObject {
    /// Write as much of the outbox as the socket takes now; queue the rest.
    func flushOutbox()
}

/// Outboxes that have bytes to write before the loop sleeps.
public final class FlushQueue {
    @exclusivity(unchecked) public var pending: [Outbox] = []
    /// The other half of a double buffer: drain swaps it with `pending`, so emptying the batch
    /// it walks never has to allocate a fresh array (this runs once per loop iteration).
    @exclusivity(unchecked) private var spare: [Outbox] = []
    public init() {
        pending.reserveCapacity(64)
        spare.reserveCapacity(64)
    }

    /// Hands every dirty outbox to its writer and empties the queue.
    public func drain() {
        while !pending.isEmpty {
            // Take `spare` out first: a nested drain (from inside a writer) then finds it empty
            // and simply allocates, instead of sharing this batch's buffer.
            var batch = spare
            spare = []
            swap(&batch, &pending)
            for o in batch {
                o.queued = false
                o.writer?.flushOutbox()
            }
            // A batch is usually one outbox: popping is far cheaper than removeAll(keepingCapacity:),
            // a generic replaceSubrange of ~160 Ir, and keeps the capacity as well.
            while batch.popLast() != nil {}
            if spare.capacity < batch.capacity { spare = batch }
        }
    }
}

/// What a protocol front end (RESP or AMQP) gives the server for one connection.
public protocol ProtocolSession: AnyObject {
    /// Consumes as many complete requests as `input` holds and returns how many bytes it used.
    /// Replies go to the session's outbox. Bytes of a partial request are left unconsumed and
    /// offered again, with more appended, after the next read.
    func receive(_ input: UnsafeRawBufferPointer) -> Int
    /// The peer is gone or the server is closing the connection: release everything it held.
    func connectionClosed()
    /// Everything written so far has left for the socket (no write is queued): a session that
    /// held back output for a slow reader (AMQP deliveries) may produce more. Default: nothing.
    func outputDrained()
}

extension ProtocolSession { public func outputDrained() {} }
