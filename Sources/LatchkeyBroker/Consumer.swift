// Consumers and prefetch accounting, frame-free. A `DeliveryChannel` is the broker's view of
// one AMQP channel (owned by the channel layer): its channel-wide prefetch (basic.qos
// global=true), the per-consumer default captured by later consumers (global=false), its
// consumers and the sink that turns deliveries into basic.deliver frames.
import LatchkeyCore

/// Implemented by the channel layer: receives deliveries and server-side cancels.
public protocol DeliverySink: AnyObject {
    /// Send `delivery` to `consumer` (basic.deliver). The sink allocates the delivery tag; when
    /// `consumer.noAck` is false it must keep `delivery` and later hand it back through
    /// `Broker.ack/reject/requeue`.
    func deliver(_ delivery: Delivery, to consumer: Consumer)
    /// The broker removed `consumer` because its queue was deleted (send basic.cancel if the
    /// client advertised consumer_cancel_notify).
    func consumerCancelled(_ consumer: Consumer)
}

/// The broker's view of one channel: limits, consumers and the delivery sink.
public final class DeliveryChannel {
    /// The connection this channel belongs to (exclusive-queue ownership).
    public let connectionID: UInt64
    /// The channel layer's session, which owns this object and clears the reference when it
    /// closes. Unowned rather than weak: a weak reference gives the session a side table, which
    /// puts every retain/release of it (several per AMQP frame) on the slow path.
    public unowned var sink: DeliverySink?
    /// basic.qos global=true: unacked limit shared by all consumers on the channel (0 = none).
    public var prefetchCount: UInt32 = 0
    /// basic.qos global=false: the limit consumers created from now on get (0 = none).
    public var consumerPrefetch: UInt32 = 0
    /// Unacked consumer deliveries on this channel (basic.get deliveries are not counted).
    public internal(set) var unacked = 0
    /// Set by the channel layer when its socket is backed up (or channel.flow/closing): no
    /// deliveries until cleared and `Broker.resume(_:)` is called.
    public var paused = false
    /// Consumers by tag.
    public internal(set) var consumers: [Bytes: Consumer] = [:]

    public init(connectionID: UInt64, sink: DeliverySink?) {
        self.connectionID = connectionID
        self.sink = sink
    }

    @inline(__always) var hasCapacity: Bool { !paused && (prefetchCount == 0 || unacked < Int(prefetchCount)) }
}

/// A basic.consume subscription.
public final class Consumer {
    /// The consumer tag (unique per channel).
    public let tag: Bytes
    /// The queue consumed from.
    public unowned let queue: Queue
    /// The channel it belongs to.
    public unowned let channel: DeliveryChannel
    /// Deliveries are settled at once (not counted against prefetch).
    public let noAck: Bool
    /// basic.consume exclusive: no other consumer may join.
    public let exclusive: Bool
    /// The per-consumer prefetch captured at creation (0 = unlimited).
    public let prefetch: UInt32
    /// The consume arguments (x-priority etc.; stored, not acted upon).
    public let arguments: Arguments
    /// Unacked deliveries of this consumer.
    public internal(set) var unacked = 0
    /// False once cancelled (late acks of its deliveries still settle normally).
    public internal(set) var isActive = true

    init(tag: Bytes, queue: Queue, channel: DeliveryChannel, noAck: Bool, exclusive: Bool, arguments: Arguments) {
        self.tag = tag
        self.queue = queue
        self.channel = channel
        self.noAck = noAck
        self.exclusive = exclusive
        self.prefetch = channel.consumerPrefetch
        self.arguments = arguments
    }

    /// Whether one more message may be delivered now.
    @inline(__always) var hasCapacity: Bool {
        if noAck { return !channel.paused }
        return (prefetch == 0 || unacked < Int(prefetch)) && channel.hasCapacity
    }
}

/// One delivered (or fetched) message awaiting settlement; the channel layer keeps it under its
/// delivery tag and hands it back on ack/nack/reject/close.
public struct Delivery {
    /// The queue the message came from.
    public let queue: Queue
    /// The message's entry (position and redelivered flag).
    public let entry: QueueEntry
    /// The consumer it was delivered to; nil for basic.get (not counted against prefetch).
    public let consumer: Consumer?

    /// The message.
    public var message: Message { entry.message }
    /// Whether it was delivered before.
    public var redelivered: Bool { entry.redelivered }

    public init(queue: Queue, entry: QueueEntry, consumer: Consumer?) {
        self.queue = queue
        self.entry = entry
        self.consumer = consumer
    }
}
